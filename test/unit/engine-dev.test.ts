// `portico dev`'s pure parts and its watcher (real files in a temp dir, no Docker): bursts are
// debounced into one callback, node_modules/dist/.git and .dockerignore'd paths are ignored,
// and a manifest edit is classified per service.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseManifest } from '../../src/manifest/load.js';
import { changedServices, gatewayNotes } from '../../src/engine/dev/session.js';
import { watchSources, type SourceWatcher } from '../../src/engine/dev/watch.js';
import { watchTargets } from '../../src/engine/dev/targets.js';

const manifest = (extra = '', port = 8080) =>
  parseManifest(
    `version: 1\nname: shop\ngateway:\n  port: ${port}\nservices:\n  orders:\n    template: node-fastify\n    port: 3000\n    routes: [{ path: /api/orders }]\n  users:\n    template: node-express\n    port: 3001\n${extra}`,
    '/w/portico.yaml',
  ).manifest;

describe('changedServices / gatewayNotes', () => {
  it('names added and changed services, and removed ones apart', () => {
    const before = manifest();
    const after = parseManifest(
      'version: 1\nname: shop\ngateway:\n  port: 8080\nservices:\n  orders:\n    template: node-fastify\n    port: 3000\n    replicas: 2\n    routes: [{ path: /api/orders }]\n  cache:\n    image: redis:7\n    port: 6379\n',
      '/w/portico.yaml',
    ).manifest;
    expect(changedServices(before, after)).toEqual({ changed: ['orders', 'cache'], removed: ['users'] });
    expect(changedServices(before, manifest())).toEqual({ changed: [], removed: [] });
  });
  it('says when only `portico up` can apply a change (the gateway port)', () => {
    expect(gatewayNotes(manifest(), manifest('', 9090))).toEqual([expect.stringContaining('gateway address changed')]);
    expect(gatewayNotes(manifest(), manifest())).toEqual([]);
  });
});

describe('watchSources', () => {
  let dir: string;
  let watcher: SourceWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('debounces a burst into one callback and ignores dependency, output and ignored folders', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'portico-watch-'));
    const svc = path.join(dir, 'services', 'orders');
    for (const sub of ['src', 'node_modules/x', 'dist', 'tmp']) await mkdir(path.join(svc, sub), { recursive: true });
    await writeFile(path.join(svc, '.dockerignore'), 'tmp\n');
    await writeFile(path.join(dir, 'portico.yaml'), 'name: shop\n');
    const loaded = { ...parseManifest('version: 1\nname: shop\nservices:\n  orders:\n    build: {}\n    port: 3000\n', path.join(dir, 'portico.yaml')), dir };
    const bursts: string[][] = [];
    watcher = await watchSources(await watchTargets(loaded), (keys) => bursts.push([...keys]), 100);

    for (const f of ['node_modules/x/a.js', 'dist/index.mjs', 'tmp/scratch.txt']) await writeFile(path.join(svc, f), 'x');
    await new Promise((r) => setTimeout(r, 400));
    expect(bursts).toEqual([]);

    for (let i = 0; i < 5; i++) await writeFile(path.join(svc, 'src', `f${i}.ts`), 'x');
    await new Promise((r) => setTimeout(r, 600));
    expect(bursts).toEqual([['orders']]);

    await writeFile(path.join(dir, 'portico.yaml'), 'name: shop2\n');
    await new Promise((r) => setTimeout(r, 600));
    expect(bursts).toHaveLength(2);
    expect(bursts[1]).toEqual(['\0manifest']);
  });
});
