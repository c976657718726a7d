// Registry timings (issue 5) on the real engine, through the built CLI: a service at 2
// replicas behind the gateway under a bounded GET load; `docker kill` one replica (time to
// critical, failed requests), start a third (time from passing to its first request),
// restart the registry (failed requests). See bench/lib/registry/scenario.mjs.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { runRegistryScenario } from '../lib/registry/scenario.mjs';

export async function run({ root, log }) {
  const bin = path.join(root, 'bin', 'portico.js');
  const cli = (argv, cwd) =>
    new Promise((resolve) => {
      execFile(process.execPath, [bin, ...argv], { cwd, env: { ...process.env, NO_COLOR: '1', CI: 'true' }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  const result = await runRegistryScenario({ cli, log: (...args) => log('registry:', ...args) });
  const summary = (load) => ({ requests: load.requests, failed: load.failed, p50Ms: load.p50Ms, p99Ms: load.p99Ms, rps: load.rps });
  return {
    health: result.health,
    killToCriticalMs: result.kill.toCriticalMs,
    killToCriticalTargetMs: 2 * result.health.intervalMs,
    killLoad: summary(result.kill.load),
    thirdReplicaStartToPassingMs: result.scaleOut.startToPassingMs,
    thirdReplicaPassingToTrafficMs: result.scaleOut.passingToTrafficMs,
    thirdReplicaTargetMs: 1000,
    scaleOutLoad: summary(result.scaleOut.load),
    registryRestartBackMs: result.registryRestart.backMs,
    registryRestartAllPassingMs: result.registryRestart.allPassingMs,
    registryRestartLoad: summary(result.registryRestart.load),
    stackSetupMs: result.setupMs,
  };
}
