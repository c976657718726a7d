// Issue 5's acceptance on the real engine: a service at 2 replicas behind the gateway under a
// bounded GET load; kill a replica, add a third, restart the registry. The scenario itself
// lives in bench/lib/registry/scenario.mjs (the benchmark reports the same timings).
import { describe, expect, it } from 'vitest';
import { runRegistryScenario, SCENARIO_INTERVAL_MS } from '../../bench/lib/registry/scenario.mjs';
import { runCli } from '../helpers/workspace.js';

describe('registry acceptance (real Docker engine)', () => {
  it('keeps every request served through a replica kill, a scale-out and a registry restart', { timeout: 900_000 }, async () => {
    const result = await runRegistryScenario({ cli: (argv, cwd) => runCli(argv, { cwd }), log: (...args) => console.log('[registry-acceptance]', ...args) });

    // docker kill one replica: no client request fails, critical within 2 probe intervals.
    expect(result.kill.load.requests).toBeGreaterThan(0);
    expect(result.kill.load.failures).toEqual([]);
    expect(result.kill.toCriticalMs).toBeLessThanOrEqual(2 * SCENARIO_INTERVAL_MS);

    // A third replica receives traffic within 1 s of passing its health check.
    expect(result.scaleOut.passingToTrafficMs).not.toBeNull();
    expect(result.scaleOut.passingToTrafficMs!).toBeLessThanOrEqual(1000);
    expect(result.scaleOut.load.failures).toEqual([]);

    // Restarting the registry fails no client request.
    expect(result.registryRestart.load.requests).toBeGreaterThan(0);
    expect(result.registryRestart.load.failures).toEqual([]);
  });
});
