// Floods against the gateway's HTTP/1.1 layer (issue 15, "Proof"), bounded in count and time:
// 2,000 slowloris connections, 5,000 idle keep-alive connections, a pipelining flood whose
// clients never read, and slow bodies declaring 1 GB. During each, a normal request through the
// gateway must still answer in under 100 ms at p99, and the gateway's RSS stays under a bound;
// afterwards RSS returns near its baseline.
//
// The gateway runs as a child process (the built bundle, dist/runtime/gateway.mjs, as in its
// container) so that its RSS, read from /proc/<pid>/status, is the gateway's alone: in-process,
// the thousands of flood client sockets and their buffers would be counted with it. Everything
// on 127.0.0.1. Needs `npm run build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, route, sleep, startUpstream, type Upstream } from './gateway-helpers.js';

const BUNDLE = path.resolve('dist/runtime/gateway.mjs');
const GC_ON_SIGNAL = path.resolve('test/fixtures/gc-on-signal.cjs');
/** Bounds: RSS during a flood, and how far above the baseline it may stay afterwards. */
const RSS_LIMIT_MB = 250;
const RSS_AFTER_MARGIN_MB = 20;
const P99_LIMIT_MS = 100;
const SETTLE_MS = 6_000;

interface ChildGateway {
  child: ChildProcess;
  port: number;
  collectGarbage(): void;
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

async function startChildGateway(upstreamPort: number): Promise<ChildGateway> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-floods-'));
  const config = gatewayConfig([
    route({ service: 's', path: '/s' }),
    // The 1 GB bodies need a route that allows them (they are streamed, never buffered).
    route({ service: 's', path: '/upload', id: 's#1', stripPrefix: false, maxBodyBytes: 2 * 1024 ** 3, timeouts: { connectMs: 1000, headerMs: 60_000, bodyMs: 60_000 } }),
  ]);
  await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(config));
  await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(discovery({ s: [upstreamPort] })));
  // An idle process keeps its garbage until something triggers a full collection (under load
  // that happens by itself): the child collects on SIGUSR2 (test/fixtures/gc-on-signal.cjs), so
  // that "afterwards" measures what the gateway still holds.
  const child = spawn(process.execPath, ['--expose-gc', '--require', GC_ON_SIGNAL, BUNDLE], {
    env: { PATH: process.env.PATH, PORTICO_CONFIG_DIR: dir, PORT: '0', HOST: '127.0.0.1', PORTICO_ACCESS_LOG: 'off', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"port":(\d+)[^\n]*gateway listening/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return {
    child,
    port,
    collectGarbage() {
      child.kill('SIGUSR2');
    },
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Open `n` connections to `port`, a few hundred at a time (the accept queue is finite). */
async function openConnections(port: number, n: number, onOpen: (s: net.Socket, i: number) => void): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const BATCH = 250;
  for (let i = 0; i < n; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => {
        return new Promise<void>((resolve, reject) => {
          const s = net.connect({ port, host: '127.0.0.1' }, () => {
            onOpen(s, i + k);
            resolve();
          });
          s.on('error', () => {});
          s.once('error', reject);
          sockets.push(s);
        });
      }),
    );
  }
  return sockets;
}

/** `count` sequential normal requests through the gateway on one keep-alive connection: latencies (ms) sorted. */
async function probe(port: number, count = 150): Promise<{ p50: number; p99: number; max: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/s/probe', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.setTimeout(2_000, () => req.destroy(new Error('probe timed out')));
        req.on('error', reject);
      });
      times.push(performance.now() - t0);
      expect(status).toBe(200);
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

const destroyAll = (sockets: net.Socket[]): void => sockets.forEach((s) => s.destroy());

describe('floods against the gateway (child process)', { timeout: 90_000 }, () => {
  let up: Upstream;
  let gw: ChildGateway;
  let baseline = 0;
  const report: string[] = [];

  beforeAll(async () => {
    // The echo upstream consumes bodies as they stream (startUpstream reads the whole body).
    up = await startUpstream('s', (_req, res) => res.end('ok'));
    gw = await startChildGateway(up.port);
    await probe(gw.port, 200); // warm up
    await sleep(300);
    gw.collectGarbage();
    await sleep(300);
    baseline = await gw.rssMb();
    report.push(`baseline RSS ${baseline.toFixed(1)} MB`);
  });
  afterAll(async () => {
    await gw?.stop();
    await up?.close();
    console.log(`floods:\n  ${report.join('\n  ')}`);
  });

  /** Run `flood`, probe and sample RSS while it holds, end it, and check RSS afterwards. */
  async function during(name: string, flood: () => Promise<net.Socket[]>, holdCheck?: (sockets: net.Socket[]) => void): Promise<void> {
    const sockets = await flood();
    let peak = await gw.rssMb();
    const latency = await probe(gw.port);
    peak = Math.max(peak, await gw.rssMb());
    // The flood was really held open by the gateway while the probe ran.
    if (holdCheck !== undefined) holdCheck(sockets);
    else expect(sockets.filter((s) => !s.destroyed).length).toBe(sockets.length);
    destroyAll(sockets);
    // The gateway notices the closed sockets, then a full collection; bounded wait for RSS.
    const endedAt = Date.now();
    let after = Number.POSITIVE_INFINITY;
    while (after >= baseline + RSS_AFTER_MARGIN_MB && Date.now() - endedAt < SETTLE_MS) {
      await sleep(500);
      gw.collectGarbage();
      await sleep(200);
      after = await gw.rssMb();
    }
    report.push(`${name}: probe p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; RSS peak ${peak.toFixed(1)} MB, after ${after.toFixed(1)} MB (${((Date.now() - endedAt) / 1000).toFixed(1)} s)`);
    expect(latency.p99).toBeLessThan(P99_LIMIT_MS);
    expect(peak).toBeLessThan(RSS_LIMIT_MB);
    expect(after).toBeLessThan(baseline + RSS_AFTER_MARGIN_MB);
  }

  it('2,000 slowloris connections (a head that never ends, a byte at a time)', async () => {
    let trickle: NodeJS.Timeout | null = null;
    await during('2,000 slowloris', async () => {
      const sockets = await openConnections(gw.port, 2_000, (s) => s.write('GET /s/slow HTTP/1.1\r\nHost: a\r\nX-Slow: '));
      trickle = setInterval(() => sockets.forEach((s) => !s.destroyed && s.write('a')), 500);
      return sockets;
    });
    clearInterval(trickle!);
  });

  it('5,000 idle keep-alive connections', async () => {
    await during(
      '5,000 idle keep-alive',
      async () => {
        let answered = 0;
        const sockets = await openConnections(gw.port, 5_000, (s) => {
          s.once('data', () => answered++);
          s.write('GET /s/idle HTTP/1.1\r\nHost: a\r\n\r\n');
        });
        const deadline = Date.now() + 10_000;
        while (answered < sockets.length && Date.now() < deadline) await sleep(50);
        expect(answered).toBe(5_000);
        return sockets;
      },
      // Still open while probed (the gateway's keep-alive timeout is 5 s).
      (sockets) => expect(sockets.filter((s) => !s.destroyed).length).toBeGreaterThan(4_000),
    );
  });

  it('a pipelining flood that never reads its answers (10 connections x 20,000 requests)', async () => {
    const burst = Buffer.from('GET /s/p HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(20_000));
    await during('pipelining flood, never read', () =>
      openConnections(gw.port, 10, (s) => {
        s.pause(); // never reads: the gateway must stop reading too, not buffer
        s.write(burst);
      }),
    );
  });

  it('50 slow bodies declaring Content-Length: 1 GB (1 KiB every 100 ms)', async () => {
    let trickle: NodeJS.Timeout | null = null;
    const kib = Buffer.alloc(1024, 97);
    await during('50 x 1 GB slow bodies', async () => {
      const sockets = await openConnections(gw.port, 50, (s) => s.write(`POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${1024 ** 3}\r\n\r\n`));
      trickle = setInterval(() => sockets.forEach((s) => !s.destroyed && s.write(kib)), 100);
      await sleep(1_000);
      return sockets;
    });
    clearInterval(trickle!);
  });
});
