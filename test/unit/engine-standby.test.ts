// `portico dev`'s warm standbys (engine/standby/): the command a standby runs and its boot
// script (run for real with node: it waits for the marker, then runs the entry file as node
// would), what must match for a reload to take one, the archive or host folder it gets, the
// config hash `up` reads back, and the pool's calls on the in-memory fake engine.
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/compile/labels.js';
import type { ContainerPlan } from '../../src/compile/plan.js';
import type { ContainerSummary } from '../../src/engine/docker/client.js';
import { replaceSlot } from '../../src/engine/rolling.js';
import { withEffectiveConfigHashes } from '../../src/engine/standby/effective-hash.js';
import { standbyPool } from '../../src/engine/standby/pool.js';
import { fillStandbyFolder, makeStandbyFolder, makeStandbyRoot } from '../../src/engine/standby/files.js';
import {
  isIdleStandby,
  parseStandbyMarker,
  standbyArchiveEntries,
  standbyBinds,
  standbyBootScript,
  standbyCmd,
  standbyFingerprint,
  standbyName,
  STANDBY_MARKER,
  STANDBY_MARKER_DIR,
  STANDBY_START_PERIOD_MS,
  withoutIdleStandbys,
} from '../../src/engine/standby/spec.js';
import { FakeDocker } from './helpers/fake-docker.js';

const plan = (over: Partial<ContainerPlan> = {}): ContainerPlan => ({
  name: 'p-s-1',
  role: 'service',
  service: 's',
  replica: 1,
  image: 'portico/p-s:new',
  env: { PORT: '3000' },
  labels: { [LABEL.project]: 'p', [LABEL.service]: 's', [LABEL.configHash]: 'h1' },
  health: { test: ['CMD', 'true'], intervalMs: 5000, timeoutMs: 2000, retries: 3, startPeriodMs: 10_000 },
  aliases: ['s'],
  ports: [],
  binds: [],
  volumes: [],
  dependsOn: [],
  configHash: 'h1',
  ...over,
});

describe('standbyCmd', () => {
  it("wraps the template's command, keeping node's flags and the entry file", () => {
    const cmd = standbyCmd(['node', '--enable-source-maps', 'dist/index.mjs'])!;
    expect(cmd.slice(0, 3)).toEqual(['node', '--enable-source-maps', '-e']);
    expect(cmd.at(-1)).toBe('dist/index.mjs');
    expect(cmd[3]).toBe(standbyBootScript());
  });
  it('gives no standby to commands it cannot wrap', () => {
    for (const cmd of [undefined, [], ['node'], ['sh', '-c', 'node x.js'], ['node', '-e', 'x'], ['node', '--require', 'a.js', 'b.js'], ['node', 'dist/index.mjs', '--port=1'], ['./server']]) {
      expect(standbyCmd(cmd), JSON.stringify(cmd)).toBeUndefined();
    }
    expect(standbyCmd(['/usr/local/bin/node', 'server.js'])).toBeDefined();
  });
});

describe('the boot script (real node)', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('waits for the marker, then runs the entry file with argv and execArgv as node gives them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-standby-'));
    dirs.push(dir);
    const marker = path.join(dir, 'marker.json');
    await writeFile(path.join(dir, 'app.mjs'), 'await Promise.resolve();\nconsole.log(JSON.stringify({ argv1: process.argv[1], execArgv: process.execArgv, url: import.meta.url }));\n');
    const child = execa('node', standbyCmd(['node', '--enable-source-maps', 'app.mjs'], marker)!.slice(1), { cwd: dir, reject: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode ?? undefined).toBeUndefined(); // still waiting: no marker yet
    await writeFile(marker, JSON.stringify({ configHash: 'h2' }));
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout);
    expect(seen.argv1).toBe(path.join(dir, 'app.mjs'));
    expect(seen.execArgv).toEqual(['--enable-source-maps']);
    expect(seen.url).toBe(`file://${path.join(dir, 'app.mjs')}`);
  });

  it('exits with the error when the entry file throws', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-standby-'));
    dirs.push(dir);
    const marker = path.join(dir, 'marker.json');
    await writeFile(marker, '{}');
    await writeFile(path.join(dir, 'app.mjs'), "throw new Error('boom at start');\n");
    const result = await execa('node', standbyCmd(['node', 'app.mjs'], marker)!.slice(1), { cwd: dir, reject: false });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('boom at start');
  });
});

describe('standbyFingerprint', () => {
  it('ignores what a source change moves (image, config hash) and nothing else', () => {
    const a = standbyFingerprint(plan());
    expect(standbyFingerprint(plan({ image: 'portico/p-s:newer', configHash: 'h2', labels: { ...plan().labels, [LABEL.configHash]: 'h2' } }))).toBe(a);
    expect(standbyFingerprint(plan({ env: { PORT: '3001' } }))).not.toBe(a);
    expect(standbyFingerprint(plan({ binds: [{ source: '/w/src', target: '/app/src', readOnly: true }] }))).not.toBe(a);
    expect(standbyFingerprint(plan({ health: { ...plan().health!, retries: 5 } }))).not.toBe(a);
  });
});

describe('standby names, archive and marker', () => {
  it('tells an idle standby from the slot it became', () => {
    const labels = { [LABEL.standby]: '1' };
    expect(standbyName('p-s-1')).toBe('p-s-1-standby');
    expect(isIdleStandby({ name: 'p-s-1-standby', labels })).toBe(true);
    expect(isIdleStandby({ name: 'p-s-1', labels })).toBe(false);
    expect(isIdleStandby({ name: 'p-s-1-standby', labels: {} })).toBe(false);
    expect(withoutIdleStandbys([{ name: 'p-s-1-standby', labels }, { name: 'p-s-1', labels }]).map((c) => c.name)).toEqual(['p-s-1']);
  });
  it('puts the bundle under the copy target and the marker last, in its folder at the root', () => {
    const entries = standbyArchiveEntries('/app/dist', [{ name: 'index.mjs', file: '/w/dist/index.mjs' }, { name: 'index.mjs.map', file: '/w/dist/index.mjs.map' }], { configHash: 'h2' });
    expect(entries.map((e) => e.name)).toEqual(['app/dist/index.mjs', 'app/dist/index.mjs.map', STANDBY_MARKER.slice(1)]);
    expect(parseStandbyMarker(String((entries.at(-1) as { content: string }).content))).toBe('h2');
    expect(STANDBY_MARKER.startsWith(`${STANDBY_MARKER_DIR}/`)).toBe(true);
    expect(parseStandbyMarker('not json')).toBeUndefined();
    expect(parseStandbyMarker(undefined)).toBeUndefined();
  });
});

describe('withEffectiveConfigHashes (fake engine)', () => {
  const summary = (name: string, labels: Record<string, string>): ContainerSummary => ({ id: name, name, labels, state: 'running', image: 'i', ports: [] });
  it("takes a standby-born container's hash from its marker, and leaves the others alone", async () => {
    const docker = Object.assign(new FakeDocker(), { readFile: async (id: string) => (id === 'p-s-1' ? JSON.stringify({ configHash: 'h2' }) : undefined) });
    const born = summary('p-s-1', { [LABEL.standby]: '1', [LABEL.configHash]: 'h1' });
    const plain = summary('p-t-1', { [LABEL.configHash]: 'h9' });
    const unread = summary('p-u-1', { [LABEL.standby]: '1', [LABEL.configHash]: 'h5' });
    const [a, b, c] = await withEffectiveConfigHashes(docker, [born, plain, unread]);
    expect(a!.labels[LABEL.configHash]).toBe('h2');
    expect(b).toBe(plain);
    expect(c!.labels[LABEL.configHash]).toBe('h5');
    const [known] = await withEffectiveConfigHashes(docker, [born], new Map([['p-s-1', 'h3']]));
    expect(known!.labels[LABEL.configHash]).toBe('h3');
  });
});

describe('the standby pool and a reload that takes a standby (fake engine)', () => {
  const engine = () => Object.assign(new FakeDocker(), { inspectImage: async () => ({ id: 'sha256:old', labels: {}, cmd: ['node', '--enable-source-maps', 'dist/index.mjs'] }) });

  it('makes a started standby off the network, without aliases, with a long health start period', async () => {
    const docker = engine();
    const pool = await standbyPool(docker, 'p');
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    const taken = await pool.take(plan({ configHash: 'h2' }), 'sha256:old');
    expect(taken?.name).toBe('p-s-1-standby');
    expect(docker.calls).toEqual(['create p-s-1-standby', 'disconnect p-s-1-standby p-net', 'start p-s-1-standby']);
    const spec = docker.containers.get(taken!.id)!.spec;
    expect(spec.aliases).toEqual([]);
    expect(spec.image).toBe('sha256:old');
    expect(spec.health!.startPeriodMs).toBe(STANDBY_START_PERIOD_MS);
    expect(spec.labels[LABEL.standby]).toBe('1');
    expect(spec.env.PORTICO_INSTANCE_ID).toBe(taken!.instanceId);
    expect(spec.labels[LABEL.instance]).toBe(taken!.instanceId);
    expect(pool.promoted.get(taken!.id)).toBe('h2');

    // The reload: network (with the alias) and bundle side by side, no create or start.
    docker.calls.length = 0;
    await replaceSlot({ docker, project: 'p', network: 'p-net', timeoutMs: 1000 }, plan({ configHash: 'h2' }), undefined, { image: 'sha256:old', target: '/app/dist', files: [] }, taken);
    expect(docker.calls).toEqual(['connect p-s-1-standby p-net', 'put archive p-s-1-standby /', 'rename p-s-1-standby p-s-1']);
    await pool.dispose();
  });

  it('joins the network ahead as a source reload begins, and leaves it when the reload did not take the standby', async () => {
    const docker = engine();
    const pool = await standbyPool(docker, 'p');
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    pool.joinAhead('s');
    const taken = await pool.take(plan({ configHash: 'h2' }), 'sha256:old');
    expect(await taken!.joined).toBe(true);
    docker.calls.length = 0;
    await replaceSlot({ docker, project: 'p', network: 'p-net', timeoutMs: 1000 }, plan({ configHash: 'h2' }), undefined, { image: 'sha256:old', target: '/app/dist', files: [] }, taken);
    // Joined once, ahead: the reload only puts the bundle in.
    expect(docker.calls).toEqual(['put archive p-s-1-standby /', 'rename p-s-1-standby p-s-1']);
    await pool.leaveAhead('s');
    expect(docker.calls.filter((c) => c.startsWith('disconnect'))).toEqual([]);

    // A reload that does not take it (nothing changed, a failed bundle): back off the network.
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    pool.joinAhead('s');
    await new Promise((r) => setTimeout(r, 10));
    docker.calls.length = 0;
    await pool.leaveAhead('s');
    expect(docker.calls).toEqual(['disconnect p-s-1-standby p-net']);
    // Another service's reload leaves it alone.
    docker.calls.length = 0;
    pool.joinAhead('other');
    await pool.leaveAhead('other');
    expect(docker.calls).toEqual([]);
    await pool.dispose();
  });

  it('removes a standby that no longer fits and hands out none', async () => {
    const docker = engine();
    const pool = await standbyPool(docker, 'p');
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    expect(await pool.take(plan({ env: { PORT: '3001' } }), 'sha256:old')).toBeUndefined();
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    expect(await pool.take(plan(), 'sha256:other')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 10));
    expect([...docker.containers.values()]).toEqual([]);
    await pool.dispose();
  });

  it('makes none for a service with published ports or a command it cannot wrap, and removes leftovers at start', async () => {
    const docker = engine();
    await docker.createContainer({ ...plan(), name: 'p-s-1-standby', labels: { ...plan().labels, [LABEL.standby]: '1' }, network: 'p-net', init: true });
    const pool = await standbyPool(docker, 'p');
    expect([...docker.containers.values()]).toEqual([]);
    pool.fill(plan({ ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 3000 }] }), 'portico/p-s:old', 'p-net');
    expect(await pool.take(plan(), 'sha256:old')).toBeUndefined();
    const shell = Object.assign(engine(), { inspectImage: async () => ({ id: 'sha256:old', labels: {}, cmd: ['sh', '-c', 'node x.js'] }) });
    const other = await standbyPool(shell, 'p');
    other.fill(plan(), 'portico/p-s:old', 'p-net');
    expect(await other.take(plan(), 'sha256:old')).toBeUndefined();
    expect(shell.calls.filter((c) => c.startsWith('create'))).toEqual([]);
  });

  it('dispose removes the idle standbys', async () => {
    const docker = engine();
    const pool = await standbyPool(docker, 'p');
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    pool.fill(plan({ name: 'p-s-2', replica: 2 }), 'portico/p-s:old', 'p-net');
    await pool.dispose();
    expect([...docker.containers.values()]).toEqual([]);
  });
});

describe('host folders of standbys (real file system)', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-standby-files-'));
    dirs.push(dir);
    return dir;
  };
  const mode = async (p: string) => (await stat(p)).mode & 0o777;

  it('mounts dist/ at the copy target and the marker folder at its root path, read-only', () => {
    expect(standbyBinds('/w/.portico/standby/p-s-1-x', '/app/dist')).toEqual([
      { source: '/w/.portico/standby/p-s-1-x/dist', target: '/app/dist', readOnly: true },
      { source: '/w/.portico/standby/p-s-1-x/marker', target: STANDBY_MARKER_DIR, readOnly: true },
    ]);
  });

  it('keeps the root out of git, and makes folders any uid can read whatever the umask', async () => {
    const root = path.join(await tempDir(), '.portico', 'standby');
    await makeStandbyRoot(root);
    expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const old = process.umask(0o077);
    try {
      await makeStandbyFolder(path.join(root, 'p-s-1-x'));
    } finally {
      process.umask(old);
    }
    for (const d of ['', 'dist', 'marker']) expect(await mode(path.join(root, 'p-s-1-x', d))).toBe(0o755);
  });

  it('copies the bundle (sub-folders too) and writes the marker last, by rename', async () => {
    const dir = await tempDir();
    const src = path.join(dir, 'src');
    await mkdir(path.join(src, 'chunks'), { recursive: true });
    await writeFile(path.join(src, 'index.mjs'), 'export {};\n');
    await writeFile(path.join(src, 'chunks', 'a.mjs'), 'export const a = 1;\n');
    const folder = path.join(dir, 'standby');
    await makeStandbyFolder(folder);
    const old = process.umask(0o077);
    try {
      await fillStandbyFolder(folder, [{ name: 'index.mjs', file: path.join(src, 'index.mjs') }, { name: 'chunks/a.mjs', file: path.join(src, 'chunks', 'a.mjs') }], { configHash: 'h2' });
    } finally {
      process.umask(old);
    }
    expect(await readFile(path.join(folder, 'dist', 'chunks', 'a.mjs'), 'utf8')).toBe('export const a = 1;\n');
    expect(await mode(path.join(folder, 'dist', 'chunks'))).toBe(0o755);
    const markerFile = path.join(folder, 'marker', path.posix.basename(STANDBY_MARKER));
    expect(parseStandbyMarker(await readFile(markerFile, 'utf8'))).toBe('h2');
    expect(await mode(markerFile)).toBe(0o644);
    expect(await readdir(path.join(folder, 'marker'))).toEqual([path.posix.basename(STANDBY_MARKER)]);
  });
});

describe('the standby pool with host folders (fake engine, real file system)', () => {
  const engine = () => Object.assign(new FakeDocker(), { inspectImage: async () => ({ id: 'sha256:old', labels: {}, cmd: ['node', 'dist/index.mjs'] }) });
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('mounts a folder per standby, fills it on the reload instead of an archive, prunes the folders of gone containers', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-standby-pool-'));
    dirs.push(dir);
    const filesDir = path.join(dir, 'standby');
    await mkdir(path.join(filesDir, 'p-s-1-gone'), { recursive: true }); // a container removed since
    const docker = engine();
    const pool = await standbyPool(docker, 'p', { filesDir });
    expect(await readdir(filesDir)).toEqual(['.gitignore']);

    pool.fill(plan(), 'portico/p-s:old', 'p-net', '/app/dist');
    const taken = await pool.take(plan({ configHash: 'h2' }), 'sha256:old');
    expect(taken!.filesDir).toBe(path.join(filesDir, taken!.instanceId));
    expect(docker.containers.get(taken!.id)!.spec.binds).toEqual(standbyBinds(taken!.filesDir!, '/app/dist'));

    const bundle = path.join(dir, 'index.mjs');
    await writeFile(bundle, 'export {};\n');
    docker.calls.length = 0;
    await replaceSlot({ docker, project: 'p', network: 'p-net', timeoutMs: 1000 }, plan({ configHash: 'h2' }), undefined, { image: 'sha256:old', target: '/app/dist', files: [{ name: 'index.mjs', file: bundle }] }, taken);
    expect(docker.calls).toEqual(['connect p-s-1-standby p-net', 'rename p-s-1-standby p-s-1']);
    expect(await readFile(path.join(taken!.filesDir!, 'dist', 'index.mjs'), 'utf8')).toBe('export {};\n');

    // The next standby of the slot gets its own folder; the promoted container keeps its one.
    pool.fill(plan(), 'portico/p-s:old', 'p-net', '/app/dist');
    await pool.ready();
    expect((await readdir(filesDir)).filter((n) => !n.startsWith('.'))).toHaveLength(2);
    await docker.removeContainer(taken!.id);
    await pool.prune();
    expect((await readdir(filesDir)).filter((n) => !n.startsWith('.'))).toHaveLength(1);
    await pool.dispose();
    expect(await readdir(filesDir)).toEqual(['.gitignore']);
  });

  it('uses the archive when the image has no known dist/ target', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-standby-pool-'));
    dirs.push(dir);
    const docker = engine();
    const pool = await standbyPool(docker, 'p', { filesDir: path.join(dir, 'standby') });
    pool.fill(plan(), 'portico/p-s:old', 'p-net');
    const taken = await pool.take(plan(), 'sha256:old');
    expect(taken!.filesDir).toBeUndefined();
    expect(docker.containers.get(taken!.id)!.spec.binds).toEqual([]);
    await pool.dispose();
  });
});
