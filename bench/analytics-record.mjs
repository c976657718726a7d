// `node bench/analytics-record.mjs`: the analytics log handler's cost per request in isolation
// (docs/analytics.md, "Cost"): the feature as the gateway configures it, called with one
// steady exchange (same route, consumer, method and status; latencies varying over 1,000 µs),
// 5 rounds of 5 M calls, median ns per call. What bench:gateway's da/d cannot resolve on a busy
// machine: it reads the handler alone. The feature is bundled from src with esbuild (as the
// gateway build does), into a temp dir. Env: RECORD_CALLS (per round, default 5,000,000).
import { build } from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const CALLS = Number(process.env.RECORD_CALLS ?? 5_000_000);
const ROUNDS = 5;

const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-bench-analytics-'));
try {
  const outfile = path.join(dir, 'analytics.mjs');
  await build({ entryPoints: [path.join(root, 'src/runtime/gateway/features/analytics/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  const { analytics } = await import(pathToFileURL(outfile).href);
  const instance = await analytics.configure({ analytics: { enabled: true } }, {}, undefined);
  const log = instance.forRoute({ id: 'orders#0', service: 'orders' }).log;
  // The fields the handler reads, as an Exchange has them for a GET with an API key.
  const ex = { identity: { consumer: 'bench' }, req: { method: 'GET', body: null }, res: { bodyBytes: 40 }, errorKind: null, cacheResult: null, upstreamErrors: null, ai: null, startedAt: performance.now() };
  const perCall = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) log(ex, 200, 0.0003 + (i % 1000) * 1e-6);
    perCall.push(((performance.now() - start) * 1e6) / CALLS);
  }
  const sorted = [...perCall].sort((a, b) => a - b);
  const result = { benchmark: 'analytics-record', node: process.version, calls: CALLS, rounds: ROUNDS, nsPerCall: perCall.map((x) => Math.round(x * 10) / 10), medianNsPerCall: Math.round(sorted[2] * 10) / 10 };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
