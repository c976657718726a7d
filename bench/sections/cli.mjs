// CLI wall times, as a user feels them: `portico --help` start-up (median of 20 runs) and
// `portico create --no-install` in a fresh workspace (median of 10 runs). `node -e ''` is
// measured alongside: it is the floor every Node CLI pays on this machine.
// Targets (issue 2): --help under 150 ms, create --no-install under 400 ms.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const TARGETS = { helpMs: 150, createMs: 400 };

function timed(args, cwd) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env: { ...process.env, CI: 'true', NO_COLOR: '1' }, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const summary = (xs, targetMs) => ({
  medianMs: Math.round(median(xs) * 10) / 10,
  minMs: Math.round(Math.min(...xs) * 10) / 10,
  maxMs: Math.round(Math.max(...xs) * 10) / 10,
  runs: xs.length,
  ...(targetMs === undefined ? {} : { targetMs, pass: median(xs) < targetMs }),
});

export async function run({ root, log }) {
  const portico = path.join(root, 'bin', 'portico.js');
  timed([portico, '--help'], root); // warm the file cache once

  log('cli: node baseline');
  const baseline = Array.from({ length: 20 }, () => timed(['-e', ''], root));
  log('cli: portico --help x20');
  const help = Array.from({ length: 20 }, () => timed([portico, '--help'], root));

  log('cli: portico create --no-install x10');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-bench-cli-'));
  const create = [];
  try {
    for (let i = 0; i < 10; i++) {
      const ws = path.join(tmp, `ws${i}`);
      timed([portico, 'init', ws, '--name', `bench${i}`], tmp); // not timed: the workspace is the fixture
      create.push(timed([portico, 'create', 'orders', '--no-install'], ws));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  const result = {
    nodeBaseline: summary(baseline),
    help: summary(help, TARGETS.helpMs),
    createNoInstall: summary(create, TARGETS.createMs),
  };
  result.pass = result.help.pass && result.createNoInstall.pass;
  return result;
}
