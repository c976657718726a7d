// `portico up` / `down` against the real Docker engine, driven through the built CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, containerIds, getThroughGateway, labelled, makeWorkspace, portico } from './helpers/stack.js';

describe('portico up / down (real engine)', () => {
  const project = `t${Math.random().toString(36).slice(2, 8)}`;
  let dir: string;
  let gatewayUrl: string;
  let firstIds: Record<string, string>;

  beforeAll(async () => {
    dir = await makeWorkspace(project);
  });
  afterAll(async () => {
    await cleanup(dir);
  });

  it('brings up two template services (one with 2 replicas) reachable through the gateway', async () => {
    const r = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.project).toBe(project);
    gatewayUrl = doc.gateway.url;
    expect(gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const names = doc.services.flatMap((s: { instances: { container: string; health: string }[] }) => s.instances.map((i) => `${i.container}:${i.health}`));
    expect(names.sort()).toEqual(
      [`${project}-alpha-1`, `${project}-alpha-2`, `${project}-beta-1`, `${project}-gateway-1`, `${project}-registry-1`].map((n) => `${n}:healthy`).sort(),
    );
    expect(doc.actions).toMatchObject({ created: 5 });
    for (const route of ['/api/alpha/items', '/api/beta/items']) {
      const res = await getThroughGateway(`${gatewayUrl}${route}`);
      expect(res.status, route).toBe(200);
    }
    // Only the gateway is published on the host.
    const { containers } = await labelled(project);
    const published = containers.filter((c) => c.Ports.some((p) => p.PublicPort)).map((c) => c.Names[0]);
    expect(published).toEqual([`/${project}-gateway-1`]);
    firstIds = await containerIds(project);

    const status = JSON.parse((await portico(dir, ['status', '--json'])).stdout);
    expect(status.gateway.url).toBe(gatewayUrl);
    expect(Object.keys(status)).toEqual(expect.arrayContaining(['project', 'gateway', 'services']));
  });

  it('a second up with nothing changed creates, recreates and restarts nothing', async () => {
    const r = await portico(dir, ['up', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.actions).toEqual({ created: 0, recreated: 0, started: 0, unchanged: 5, removed: 0 });
    // Sources unchanged: no `npm run build`, no image build.
    for (const image of doc.images) expect(image, image.key).toMatchObject({ outcome: 'cached', bundled: false });
    expect(await containerIds(project)).toEqual(firstIds);
  });

  it('a changed service is rebuilt and recreated alone', async () => {
    const src = path.join(dir, 'services', 'beta', 'src');
    const file = (await import('node:fs/promises')).readdir(src).then((f) => path.join(src, f.find((x) => x.endsWith('.ts'))!));
    await appendFile(await file, '\n// changed by the test\n');
    const r = await portico(dir, ['up', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.actions).toMatchObject({ created: 0, recreated: 1, unchanged: 4 });
    const bundled = doc.images.filter((i: { bundled: boolean }) => i.bundled).map((i: { key: string }) => i.key);
    expect(bundled).toEqual(['beta']);
    const ids = await containerIds(project);
    for (const [name, id] of Object.entries(firstIds)) {
      if (name === `${project}-beta-1`) expect(ids[name]).not.toBe(id);
      else expect(ids[name], name).toBe(id);
    }
    expect((await getThroughGateway(`${gatewayUrl}/api/beta/items`)).status).toBe(200);
  });

  it('scaling replicas removes the surplus container and adds it back, leaving the rest alone', async () => {
    const manifestFile = path.join(dir, 'portico.yaml');
    const original = await readFile(manifestFile, 'utf8');
    const before = await containerIds(project);
    await writeFile(manifestFile, original.replace('    replicas: 2\n', '    replicas: 1\n'));
    const down = await portico(dir, ['up', '--json']);
    expect(down.exitCode, down.all).toBe(0);
    expect(JSON.parse(down.stdout).actions).toEqual({ created: 0, recreated: 0, started: 0, unchanged: 4, removed: 1 });
    expect(Object.keys(await containerIds(project))).not.toContain(`${project}-alpha-2`);
    await writeFile(manifestFile, original);
    const up = await portico(dir, ['up', '--json']);
    expect(JSON.parse(up.stdout).actions).toEqual({ created: 1, recreated: 0, started: 0, unchanged: 4, removed: 0 });
    const after = await containerIds(project);
    expect(after[`${project}-alpha-1`]).toBe(before[`${project}-alpha-1`]);
    expect(after[`${project}-alpha-2`]).toBeDefined();
  });

  it('a service failing its health check fails up with exit 1 and shows its logs; fixing it converges', async () => {
    const manifestFile = path.join(dir, 'portico.yaml');
    const original = await readFile(manifestFile, 'utf8');
    await writeFile(
      manifestFile,
      original.replace('      - path: /api/beta\n', '      - path: /api/beta\n    health: { path: /no-such-health, interval: 1s, timeout: 1s, retries: 2, startPeriod: 1s }\n'),
    );
    const r = await portico(dir, ['up', 'beta', '--timeout', '60', '--json']);
    expect(r.exitCode, r.all).toBe(1);
    // Human explanation on stderr, one JSON document on stdout.
    expect(r.stderr).toContain(`${project}-beta-1 is not healthy`);
    expect(r.stderr).toContain('last health check');
    expect(r.stderr).toMatch(/last \d+ log lines of/);
    expect(r.stderr).toContain('listening');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ project, ok: false, failure: { container: `${project}-beta-1`, reason: 'health check failing' } });
    expect(doc.failure.logs.some((l: string) => l.includes('listening'))).toBe(true);

    await writeFile(manifestFile, original);
    const again = await portico(dir, ['up', '--json']);
    expect(again.exitCode, again.all).toBe(0);
    expect(JSON.parse(again.stdout).actions).toMatchObject({ recreated: 1, created: 0 });
  });

  it('status, logs and doctor describe the running stack', async () => {
    const status = await portico(dir, ['status']);
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).toContain(`gateway ${gatewayUrl}`);
    expect(status.stdout).toMatch(new RegExp(`alpha\\s+${project}-alpha-2\\s+running\\s+healthy`));
    const json = JSON.parse((await portico(dir, ['status', '--json'])).stdout);
    expect(json.registry.reachable).toBe(true);
    const alpha = json.services.find((s: { name: string }) => s.name === 'alpha');
    expect(alpha.instances.map((i: { replica: number }) => i.replica)).toEqual([1, 2]);

    const logs = await portico(dir, ['logs', 'alpha', '--tail', '5']);
    expect(logs.exitCode, logs.all).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.startsWith(`${project}-alpha-1 |`) || l.startsWith(`${project}-alpha-2 |`))).toBe(true);
    expect((await portico(dir, ['logs', 'nope'])).exitCode).toBe(2);

    // The port is held by this project's own gateway: that is fine.
    const doctor = await portico(dir, ['doctor', '--json']);
    expect(doctor.exitCode, doctor.all).toBe(0);
    expect(JSON.parse(doctor.stdout).ready).toBe(true);
  });

  it('gateway down/up touches only the registry and the gateway', async () => {
    const before = await containerIds(project);
    const down = await portico(dir, ['gateway', 'down', '--json']);
    expect(down.exitCode, down.all).toBe(0);
    expect(JSON.parse(down.stdout).removed.containers.sort()).toEqual([`${project}-gateway-1`, `${project}-registry-1`]);
    const mid = await containerIds(project);
    expect(Object.keys(mid).sort()).toEqual([`${project}-alpha-1`, `${project}-alpha-2`, `${project}-beta-1`]);
    const up = await portico(dir, ['gateway', 'up', '--json']);
    expect(up.exitCode, up.all).toBe(0);
    expect(JSON.parse(up.stdout).actions).toMatchObject({ created: 2, unchanged: 0 });
    const after = await containerIds(project);
    for (const s of ['alpha-1', 'alpha-2', 'beta-1']) expect(after[`${project}-${s}`]).toBe(before[`${project}-${s}`]);
    expect((await getThroughGateway(`${gatewayUrl}/api/alpha/items`)).status).toBe(200);
  });

  it('down leaves nothing labelled behind', async () => {
    const r = await portico(dir, ['down', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout).removed.containers).toHaveLength(5);
    const left = await labelled(project);
    expect(left.containers).toEqual([]);
    expect(left.networks).toEqual([]);
  });
});
