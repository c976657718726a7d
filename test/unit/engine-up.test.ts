// upStack against the in-memory Docker fake: order, idempotence, single recreate, Ctrl-C.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { parseManifest } from '../../src/manifest/load.js';
import { upStack, type UpRequest } from '../../src/engine/stack-up.js';
import type { ImageSpec } from '../../src/compile/plan.js';
import type { WaitClock } from '../../src/engine/health.js';
import type { ProgressEvent } from '../../src/engine/progress.js';
import { plainReporter } from '../../src/cli/ui/progress.js';
import { listrReporter } from '../../src/cli/ui/listr-progress.js';
import { FakeDocker } from './helpers/fake-docker.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

const MANIFEST = `version: 1
name: shop
gateway: { port: 45999 }
services:
  orders: { template: node-fastify, replicas: 2, dependsOn: [users] }
  users: { template: node-express }
`;

describe('upStack with a fake engine', () => {
  let dir: string;
  let docker: FakeDocker;
  let tags: Record<string, string>;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'portico-up-'));
    await writeFile(path.join(dir, 'portico.yaml'), MANIFEST);
    docker = new FakeDocker();
    tags = { orders: 'o1', users: 'u1', gateway: 'g1', registry: 'r1' };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const up = (over: Partial<UpRequest> = {}) =>
    upStack({
      docker,
      loaded: parseManifest(MANIFEST, path.join(dir, 'portico.yaml')),
      scope: 'stack',
      wait: true,
      timeoutMs: 5000,
      build: false,
      version: '0.0.0-test',
      env: {},
      signal: new AbortController().signal,
      ensureImage: async (spec: ImageSpec) => {
        const key = spec.kind === 'runtime' ? spec.runtime : spec.service;
        return { ref: `img/${key}:${tags[key]}`, outcome: 'built' };
      },
      ...over,
    });

  it('starts registry, then users, then orders (after users is healthy); the gateway once services are starting', async () => {
    const result = await up();
    expect(result.actions).toEqual({ created: 5, recreated: 0, started: 0, unchanged: 0, removed: 0 });
    const starts = docker.calls.filter((c) => c.startsWith('start ')).map((c) => c.slice(6));
    expect(starts[0]).toBe('shop-registry-1');
    expect(starts.indexOf('shop-users-1')).toBeLessThan(starts.indexOf('shop-orders-1'));
    expect(starts.indexOf('shop-gateway-1')).toBeGreaterThan(starts.indexOf('shop-users-1'));
    expect(starts).toHaveLength(5);
    expect([...docker.networks.keys()]).toEqual(['shop_net']);
    expect(result.status.gateway.url).toBe('http://127.0.0.1:45999');
  });

  it('a second run changes nothing; a changed image recreates only its containers', async () => {
    await up();
    const ids = [...docker.containers.keys()].sort();
    docker.calls = [];
    expect((await up()).actions).toEqual({ created: 0, recreated: 0, started: 0, unchanged: 5, removed: 0 });
    expect(docker.calls).toEqual([]);
    expect([...docker.containers.keys()].sort()).toEqual(ids);

    tags.users = 'u2';
    expect((await up()).actions).toEqual({ created: 0, recreated: 1, started: 0, unchanged: 4, removed: 0 });
    expect(docker.calls.filter((c) => c.startsWith('create'))).toEqual(['create shop-users-1']);
  });

  it('fails with exit 1 when a container turns unhealthy, leaving a state the next run converges from', async () => {
    docker.healthOf = (name) => (name === 'shop-users-1' ? 'unhealthy' : 'healthy');
    await expect(up()).rejects.toMatchObject({ exitCode: 1 });
    // orders depends on users: never started.
    expect(docker.calls).not.toContain('start shop-orders-1');
    docker.healthOf = () => 'healthy';
    // Created but never started (orders x2): the next run starts them.
    expect((await up()).actions).toMatchObject({ started: 2, created: 0, recreated: 0 });
  });

  it('Ctrl-C removes the containers the run created and rethrows the interruption', async () => {
    const abort = new AbortController();
    docker.healthOf = (name, n) => {
      if (name === 'shop-users-1' && n === 2) abort.abort(new Error('interrupted'));
      return 'starting';
    };
    await expect(
      up({ signal: abort.signal }),
    ).rejects.toThrow('interrupted');
    expect(docker.containers.size).toBe(0);
  });

  it('--timeout bounds the whole wait: one deadline across dependency waves, not a fresh one per wave', async () => {
    let now = 0;
    const clock: WaitClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    // Wave 1 (users) takes 4 s to become healthy; wave 2 (orders, which waits for users) never does.
    docker.healthOf = (name) => (name === 'shop-users-1' ? (now >= 4000 ? 'healthy' : 'starting') : name.startsWith('shop-orders') ? 'starting' : 'healthy');
    await expect(up({ timeoutMs: 6000, clock })).rejects.toMatchObject({
      exitCode: 1,
      details: { container: 'shop-orders-1', reason: 'not healthy after 6 s' },
    });
    // Both waves were waited on: orders started only once users was healthy ...
    expect(docker.calls).toContain('start shop-orders-1');
    // ... and the run gave up at 6 s in all, not at 4 + 6 s.
    expect(now).toBeGreaterThanOrEqual(6000);
    expect(now).toBeLessThan(6000 + 200);
  });

  it('reports progress as events, which the plain reporter prints as lines', async () => {
    const events: ProgressEvent[] = [];
    const lines: string[] = [];
    const out = new Writable({ write: (c, _e, cb) => (lines.push(...String(c).split('\n').filter(Boolean)), cb()) });
    const plain = plainReporter(out, false);
    await up({ report: (e) => (events.push(e), plain.report(e)) });
    await plain.end();
    const started = events.flatMap((e) => (e.type === 'step-started' ? [e.step.id] : []));
    const done = events.flatMap((e) => (e.type === 'step-done' ? [e.id] : []));
    expect(started.slice(0, 4)).toEqual(['generate', 'runtime', 'images', 'image:registry']);
    expect(new Set(done)).toEqual(new Set(started)); // every step that started ended
    expect(lines).toEqual(expect.arrayContaining(['❯ Start users', '› waiting for users to be healthy', '❯ Start orders', '✔ All 5 containers healthy']));
    expect(lines.indexOf('✔ shop-users-1: created')).toBeLessThan(lines.indexOf('❯ Start orders'));
  });

  it('the listr reporter draws the same run and finishes (plain listr renderer without a TTY)', async () => {
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
    const listr = listrReporter({ ci: false, stdout: out, stderr: out, color: false }, false);
    await up({ report: listr.report });
    await listr.end();
    expect(text).toContain('All 5 containers healthy');
    expect(text).toContain('shop-orders-1: created, shop-orders-2: created');
  });

  it('the listr reporter draws every step with the live renderer of a terminal', async () => {
    let text = '';
    const tty = Object.assign(new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), { isTTY: true, columns: 120, rows: 50 });
    // listr2 draws live only when the process's stdout is a terminal; the test runner's is not.
    const wasTTY = process.stdout.isTTY;
    process.stdout.isTTY = true;
    try {
      const listr = listrReporter({ ci: false, stdout: tty, stderr: tty, color: false }, false);
      // Builds that take a moment, as real ones do: later steps start while a list is drawing
      // (long enough for the first list to have loaded its renderer and captured the output).
      const slowImage = async (spec: ImageSpec) => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        return { ref: `img/${spec.kind === 'runtime' ? spec.runtime : spec.service}:x`, outcome: 'built' as const };
      };
      await up({ report: listr.report, ensureImage: slowImage });
      await listr.end();
    } finally {
      process.stdout.isTTY = wasTTY;
    }
    const finalFrames = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    // Every root step has its own list, drawn after the previous one ended: none is lost.
    for (const line of ['Wrote .portico/gateway.json', 'Runtime image', 'registry: img/registry:x (built)', 'Network shop_net', 'shop-users-1: created', 'All 5 containers healthy']) {
      expect(finalFrames).toContain(line);
    }
  });
});

