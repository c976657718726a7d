// `portico restart` and `portico scale` against the real engine, under a load loop through
// the gateway: zero failed requests, names and labels as `up` leaves them, and a following
// `up` has nothing to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, containerIds, getThroughGateway, makeWorkspace, portico } from './helpers/stack.js';
import { startLoadLoop } from '../../bench/lib/net.mjs';

describe('portico restart / scale (real engine)', () => {
  const project = `t${Math.random().toString(36).slice(2, 8)}`;
  let dir: string;
  let gatewayUrl: string;

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    // A comment that `scale --save` must keep.
    const file = path.join(dir, 'portico.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^services:$/m, '# the services of the test\nservices:'));
    const r = await portico(dir, ['up', '--json', '--timeout', '180']);
    if (r.exitCode !== 0) throw new Error(r.all);
    gatewayUrl = JSON.parse(r.stdout).gateway.url;
    expect((await getThroughGateway(`${gatewayUrl}/api/beta/items`)).status).toBe(200);
  }, 600_000);
  afterAll(async () => {
    await cleanup(dir);
  }, 120_000);

  it('restart replaces every container of a one-replica service with zero failed requests', async () => {
    const before = await containerIds(project);
    const load = startLoadLoop(`${gatewayUrl}/api/beta/items`);
    const r = await portico(dir, ['restart', 'beta', '--json']);
    const result = await load.stop();
    expect(r.exitCode, r.all).toBe(0);
    expect(result.failed, JSON.stringify(result)).toBe(0);
    expect(result.requests).toBeGreaterThan(20);
    expect(JSON.parse(r.stdout).changes).toMatchObject([{ service: 'beta', container: `${project}-beta-1`, action: 'replaced' }]);
    const after = await containerIds(project);
    // Same names as before (the new container was renamed into place), a new container.
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after[`${project}-beta-1`]).not.toBe(before[`${project}-beta-1`]);
    expect(after[`${project}-alpha-1`]).toBe(before[`${project}-alpha-1`]);
    // `up` afterwards sees the restarted container as the one it wants.
    const up = await portico(dir, ['up', '--json']);
    expect(JSON.parse(up.stdout).actions).toEqual({ created: 0, recreated: 0, started: 0, unchanged: 5, removed: 0 });
  }, 300_000);

  it('restart of a two-replica service replaces both, one at a time, with zero failed requests', async () => {
    const load = startLoadLoop(`${gatewayUrl}/api/alpha/items`);
    const r = await portico(dir, ['restart', 'alpha']);
    const result = await load.stop();
    expect(r.exitCode, r.all).toBe(0);
    expect(result.failed, JSON.stringify(result)).toBe(0);
    expect(r.stdout).toContain(`${project}-alpha-1: replaced`);
    expect(r.stdout).toContain(`${project}-alpha-2: replaced`);
  }, 300_000);

  it('scale up and down at runtime with zero failed requests; --save writes replicas and keeps comments', async () => {
    const load = startLoadLoop(`${gatewayUrl}/api/beta/items`);
    const up = await portico(dir, ['scale', 'beta=3', '--save']);
    expect(up.exitCode, up.all).toBe(0);
    expect(Object.keys(await containerIds(project))).toEqual(expect.arrayContaining([`${project}-beta-2`, `${project}-beta-3`]));
    const text = await readFile(path.join(dir, 'portico.yaml'), 'utf8');
    expect(text).toContain('# the services of the test');
    expect(text).toMatch(/beta:\n(?: {4}.*\n)*? {4}replicas: 3\n/);
    const down = await portico(dir, ['scale', 'beta=1', '--json']);
    const result = await load.stop();
    expect(down.exitCode, down.all).toBe(0);
    expect(result.failed, JSON.stringify(result)).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ service: 'beta', replicas: 1, saved: false });
    const names = Object.keys(await containerIds(project));
    expect(names).toContain(`${project}-beta-1`);
    expect(names).not.toContain(`${project}-beta-2`);
    expect(names).not.toContain(`${project}-beta-3`);
    // Without --save portico.yaml keeps 3: `up` goes back to it.
    expect(await readFile(path.join(dir, 'portico.yaml'), 'utf8')).toContain('replicas: 3');
  }, 300_000);

  it('restart and scale of an unknown service are usage errors (exit 2)', async () => {
    expect((await portico(dir, ['restart', 'nope'])).exitCode).toBe(2);
    expect((await portico(dir, ['scale', 'beta=x'])).exitCode).toBe(2);
  }, 60_000);
});
