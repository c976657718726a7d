// `portico dev` against the real engine, as a subprocess of the built CLI: a source edit is
// served with zero failed requests from a load loop and leaves no old container; a syntax error
// keeps the old version serving; a manifest edit adds a route live; an invalid manifest edit
// changes nothing. Ctrl-C stops watching and leaves the stack running. A reload takes the
// slot's warm standby (created and started ahead, off the network): the standby becomes the
// service with its DNS alias, a new standby follows, `status` never lists one, Ctrl-C removes
// them, and the following `up` sees the reloaded containers as current.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bin, cleanup, containerIds, docker, makeWorkspace, portico, standbyIds } from './helpers/stack.js';
import { startLoadLoop } from '../../bench/lib/net.mjs';

const MARKER_ROUTE = "  app.get('/items', (_req, res) => {";

describe('portico dev (real engine)', () => {
  const project = `t${Math.random().toString(36).slice(2, 8)}`;
  let dir: string;
  let gateway: string;
  let dev: ResultPromise<{ reject: false; all: true; buffer: true }>;
  let output = '';
  const appFile = () => path.join(dir, 'services', 'beta', 'src', 'app.ts');
  const manifestFile = () => path.join(dir, 'portico.yaml');

  /** Resolves when the dev output (from `from` on) matches `pattern`. */
  const waitForOutput = async (pattern: RegExp, from: number, timeoutMs = 120_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const m = pattern.exec(output.slice(from));
      if (m) return m;
      if (dev.exitCode !== undefined && dev.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${pattern} in the dev output:\n${output.slice(from).slice(-4000)}`);
  };
  /** Resolves with beta-1's idle standby (its id) once it is running. */
  const waitForStandby = async (other?: string) => {
    const name = `${project}-beta-1-standby`;
    for (let i = 0; i < 300; i++) {
      const id = (await standbyIds(project))[name];
      if (id && id !== other && (await docker.getContainer(id).inspect()).State.Running) return id;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no running ${name}: ${JSON.stringify(await standbyIds(project))}`);
  };
  const get = async (route: string) => {
    const res = await fetch(`${gateway}${route}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    gateway = `http://127.0.0.1:${/^ {2}port: (\d+)$/m.exec(await readFile(manifestFile(), 'utf8'))![1]}`;
    dev = execa('node', [bin, 'dev', '--timeout', '180'], { cwd: dir, reject: false, all: true, buffer: true, env: { CI: '1', NO_COLOR: '1' } });
    dev.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitForOutput(/watching beta|watching alpha/, 0, 400_000);
    await waitForStandby();
  }, 600_000);
  afterAll(async () => {
    if (dev && dev.exitCode === undefined) dev.kill('SIGKILL');
    await cleanup(dir);
  }, 120_000);

  it('a source edit is served with zero failed requests and no old container left', async () => {
    const standby = await waitForStandby();
    // Idle: off the project network, so the service's alias never resolves to it.
    expect(Object.keys((await docker.getContainer(standby).inspect()).NetworkSettings.Networks)).toEqual([]);
    const before = await containerIds(project);
    const beforeImage = (await docker.getContainer(before[`${project}-beta-1`]!).inspect()).Image;
    const load = startLoadLoop(`${gateway}/api/beta/items`);
    const from = output.length;
    const source = await readFile(appFile(), 'utf8');
    await writeFile(appFile(), source.replace(MARKER_ROUTE, `  app.get('/marker', (_req, res) => {\n    res.json({ marker: 'one' });\n  });\n${MARKER_ROUTE}`));
    const line = await waitForOutput(/beta: source change served in ([\d.]+) s \(1 container replaced \(from warm standby\)/, from);
    expect((await get('/api/beta/marker')).body).toContain('one');
    const result = await load.stop();
    expect(result.failed, JSON.stringify(result)).toBe(0);
    expect(result.requests).toBeGreaterThan(10);
    expect(Number(line[1])).toBeGreaterThan(0);
    const after = await containerIds(project);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(after[`${project}-beta-1`]).not.toBe(before[`${project}-beta-1`]);
    expect(after[`${project}-alpha-1`]).toBe(before[`${project}-alpha-1`]);
    // The standby became beta-1, now on the network under the service's alias; a new one waits.
    expect(after[`${project}-beta-1`]).toBe(standby);
    const promoted = await docker.getContainer(standby).inspect();
    expect(Object.values(promoted.NetworkSettings.Networks).flatMap((n) => n.Aliases ?? [])).toContain('beta');
    await waitForStandby(standby);
    // No image was built on the way: the new container runs the old image with the new dist/ put in.
    expect(promoted.Image).toBe(beforeImage);
    // `status` lists the stack's containers, not the standbys.
    const status = await portico(dir, ['status', '--json']);
    expect(status.exitCode, status.all).toBe(0);
    expect(status.stdout).not.toContain('-standby');
  }, 180_000);

  it('a syntax error keeps the old version serving and prints the error', async () => {
    const before = await containerIds(project);
    const from = output.length;
    const source = await readFile(appFile(), 'utf8');
    await writeFile(appFile(), source.replace("marker: 'one'", "marker: 'two' +"));
    await waitForOutput(/beta: reload failed, the running containers keep serving/, from);
    expect(output.slice(from)).toMatch(/npm run build` failed|ERROR/);
    expect((await get('/api/beta/marker')).body).toContain('one');
    expect(await containerIds(project)).toEqual(before);
    // The standby joined the network as the reload began; the failed reload took it off again.
    const standby = await waitForStandby();
    let networks = ['?'];
    for (let i = 0; i < 50 && networks.length > 0; i++) {
      networks = Object.keys((await docker.getContainer(standby).inspect()).NetworkSettings.Networks);
      if (networks.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(networks).toEqual([]);
    // The next save retries (and the fix is served).
    const again = output.length;
    await writeFile(appFile(), source.replace("marker: 'one'", "marker: 'three'"));
    await waitForOutput(/beta: source change served/, again);
    expect((await get('/api/beta/marker')).body).toContain('three');
  }, 180_000);

  it('a manifest edit adds a route live, without restarting the gateway', async () => {
    const gatewayId = (await containerIds(project))[`${project}-gateway-1`];
    const from = output.length;
    const text = await readFile(manifestFile(), 'utf8');
    expect(text).toContain('      - path: /api/beta\n');
    await writeFile(manifestFile(), text.replace('      - path: /api/beta\n', '      - path: /api/beta\n      - path: /api/beta-live\n'));
    await waitForOutput(/portico\.yaml: .*gateway\.json.*rewritten/, from);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await get('/api/beta-live/marker')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await containerIds(project))[`${project}-gateway-1`]).toBe(gatewayId);
  }, 180_000);

  it('an invalid manifest edit is reported with file:line and changes nothing', async () => {
    const before = await containerIds(project);
    const gatewayJson = await readFile(path.join(dir, '.portico', 'gateway.json'), 'utf8');
    const from = output.length;
    const text = await readFile(manifestFile(), 'utf8');
    await writeFile(manifestFile(), text.replace('      - path: /api/beta-live\n', '      - path: /api/beta-live\n    replicas: -1\n'));
    await waitForOutput(/portico\.yaml is not valid: nothing changed/, from);
    expect(output.slice(from)).toMatch(/portico\.yaml:\d+:\d+ services\.beta\.replicas/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await readFile(path.join(dir, '.portico', 'gateway.json'), 'utf8')).toBe(gatewayJson);
    expect(await containerIds(project)).toEqual(before);
    expect((await get('/api/beta-live/marker')).status).toBe(200);
  }, 120_000);

  it('Ctrl-C stops watching and leaves the stack running', async () => {
    dev.kill('SIGINT');
    const r = await dev;
    expect(r.exitCode, output.slice(-2000)).toBe(0);
    expect(output).toContain(`The ${project} stack is still running`);
    expect((await get('/api/beta/marker')).status).toBe(200);
    expect(await standbyIds(project)).toEqual({});
  }, 60_000);

  it('a following `up` builds the image of the current sources and leaves the reloaded containers alone', async () => {
    // Undo the invalid edit of the test before (dev is stopped: nothing reloads).
    await writeFile(manifestFile(), (await readFile(manifestFile(), 'utf8')).replace('    replicas: -1\n', ''));
    const before = await containerIds(project);
    const r = await portico(dir, ['up', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.actions).toEqual({ created: 0, recreated: 0, started: 0, unchanged: 5, removed: 0 });
    expect(doc.images).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'beta', outcome: 'built', bundled: false })]));
    expect(await containerIds(project)).toEqual(before);
    expect((await get('/api/beta/marker')).body).toContain('three');
  }, 120_000);
});
