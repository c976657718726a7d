import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerPlan } from '../../src/compile/plan.js';
import type { ContainerSummary } from '../../src/engine/docker/client.js';
import { LABEL } from '../../src/compile/labels.js';
import { diffContainers, summarize } from '../../src/engine/reconcile.js';
import { downStack } from '../../src/engine/stack-down.js';
import { FakeDocker } from './helpers/fake-docker.js';

const desired = (name: string, service: string, hash: string): ContainerPlan => ({
  name,
  role: 'service',
  service,
  replica: Number(name.split('-').at(-1)),
  image: 'img',
  env: {},
  labels: { [LABEL.project]: 'p', [LABEL.service]: service, [LABEL.configHash]: hash },
  aliases: [service],
  ports: [],
  binds: [],
  volumes: [],
  dependsOn: [],
  configHash: hash,
});
const existing = (name: string, service: string, hash: string, state = 'running'): ContainerSummary => ({
  id: `id-${name}`,
  name,
  labels: { [LABEL.project]: 'p', [LABEL.service]: service, [LABEL.configHash]: hash },
  state,
  image: 'img',
  ports: [],
});

describe('diffContainers', () => {
  const managed = new Set(['a', 'b', 'registry', 'gateway']);
  const known = new Set(['a', 'b', 'c', 'registry', 'gateway']);

  it('creates missing, keeps unchanged, recreates changed, starts stopped', () => {
    const diff = diffContainers(
      [desired('p-a-1', 'a', 'h1'), desired('p-a-2', 'a', 'h1'), desired('p-b-1', 'b', 'h2'), desired('p-b-2', 'b', 'h2')],
      [existing('p-a-1', 'a', 'h1'), existing('p-b-1', 'b', 'old'), existing('p-b-2', 'b', 'h2', 'exited')],
      managed,
      known,
    );
    expect(diff.containers.map((a) => a.type)).toEqual(['keep', 'create', 'recreate', 'start']);
    expect(summarize(diff)).toEqual({ created: 1, recreated: 1, started: 1, unchanged: 1, removed: 0 });
  });

  it('a second run with nothing changed does nothing', () => {
    const d = [desired('p-a-1', 'a', 'h1'), desired('p-b-1', 'b', 'h2')];
    const diff = diffContainers(d, [existing('p-a-1', 'a', 'h1'), existing('p-b-1', 'b', 'h2')], managed, known);
    expect(summarize(diff)).toEqual({ created: 0, recreated: 0, started: 0, unchanged: 2, removed: 0 });
  });

  it('removes surplus replicas of managed services, leaves unselected and reports orphans', () => {
    const diff = diffContainers(
      [desired('p-a-1', 'a', 'h1')],
      [existing('p-a-1', 'a', 'h1'), existing('p-a-2', 'a', 'h1'), existing('p-c-1', 'c', 'x'), existing('p-gone-1', 'gone', 'x')],
      new Set(['a', 'registry', 'gateway']),
      known,
    );
    expect(diff.removals.map((r) => r.type === 'remove' && r.existing.name)).toEqual(['p-a-2']);
    expect(diff.orphans.map((o) => o.name)).toEqual(['p-gone-1']);
  });
});

describe('downStack', () => {
  const spec = (name: string, project: string, service: string) => ({
    name,
    image: 'img',
    env: {},
    labels: { [LABEL.project]: project, [LABEL.service]: service },
    network: `${project}_net`,
    aliases: [],
    ports: [],
    binds: [],
    volumes: [],
    init: true,
  });

  it('removes only the project labelled containers and network; volumes only when asked', async () => {
    const docker = new FakeDocker();
    await docker.createContainer(spec('p-a-1', 'p', 'a'));
    await docker.createContainer(spec('p-gateway-1', 'p', 'gateway'));
    await docker.createContainer(spec('q-a-1', 'q', 'a'));
    await docker.createContainer({ ...spec('stranger', 'x', 'y'), labels: {} });
    await docker.createNetwork('p_net', { [LABEL.project]: 'p' });
    await docker.createNetwork('q_net', { [LABEL.project]: 'q' });
    await docker.createVolume('p_data', { [LABEL.project]: 'p' });

    const r1 = await downStack(docker, { project: 'p', volumes: false, removeOrphans: false });
    expect(r1.removed).toEqual({ containers: ['p-a-1', 'p-gateway-1'], networks: ['p_net'], volumes: [] });
    expect([...docker.containers.values()].map((c) => c.spec.name).sort()).toEqual(['q-a-1', 'stranger']);
    expect([...docker.networks.keys()]).toEqual(['q_net']);
    expect([...docker.volumes.keys()]).toEqual(['p_data']);

    const r2 = await downStack(docker, { project: 'p', volumes: true, removeOrphans: false });
    expect(r2.removed.volumes).toEqual(['p_data']);
  });

  it('keeps orphans (and the network they use) unless --remove-orphans', async () => {
    const docker = new FakeDocker();
    await docker.createContainer(spec('p-a-1', 'p', 'a'));
    await docker.createContainer(spec('p-old-1', 'p', 'old'));
    await docker.createNetwork('p_net', { [LABEL.project]: 'p' });
    const known = new Set(['a', 'registry', 'gateway']);
    const r1 = await downStack(docker, { project: 'p', volumes: false, removeOrphans: false, knownServices: known });
    expect(r1).toMatchObject({ removed: { containers: ['p-a-1'], networks: [] }, kept: ['p-old-1'] });
    const r2 = await downStack(docker, { project: 'p', volumes: false, removeOrphans: true, knownServices: known });
    expect(r2).toMatchObject({ removed: { containers: ['p-old-1'], networks: ['p_net'] }, kept: [] });
  });

  it('removes the standby folders of the containers it removed, keeps those of kept ones (real file system)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-down-standby-'));
    try {
      const docker = new FakeDocker();
      const withInstance = (name: string, service: string) => ({ ...spec(name, 'p', service), labels: { [LABEL.project]: 'p', [LABEL.service]: service, [LABEL.instance]: `${name}-x` } });
      await docker.createContainer(withInstance('p-a-1', 'a'));
      await docker.createContainer(withInstance('p-old-1', 'old'));
      for (const n of ['p-a-1-x', 'p-old-1-x', 'p-a-1-earlier']) await mkdir(path.join(dir, n, 'dist'), { recursive: true });
      await writeFile(path.join(dir, '.gitignore'), '*\n');
      await downStack(docker, { project: 'p', volumes: false, removeOrphans: false, knownServices: new Set(['a']), standbyDir: dir });
      expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'p-old-1-x']);
      // No folder (a stack that never ran `dev`): nothing to do.
      await expect(downStack(docker, { project: 'p', volumes: false, removeOrphans: true, standbyDir: path.join(dir, 'absent') })).resolves.toMatchObject({ kept: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('port pre-flight', () => {
  it('names the container holding a port, and accepts the project own container for it', async () => {
    const { assertPortsFree } = await import('../../src/engine/ports.js');
    const docker = new FakeDocker();
    const id = await docker.createContainer({
      name: 'other-web-1', image: 'i', env: {}, labels: { [LABEL.project]: 'other', [LABEL.service]: 'web' }, network: 'n', aliases: [],
      ports: [{ hostIp: '127.0.0.1', hostPort: 45678, containerPort: 80 }], binds: [], volumes: [], init: true,
    });
    await docker.startContainer(id);
    const want = { bind: '127.0.0.1', port: 45678, service: 'gateway', what: 'gateway port 45678', setting: 'gateway.port' };
    await expect(assertPortsFree(docker, 'p', [want])).rejects.toMatchObject({
      exitCode: 3,
      message: 'gateway port 45678 is already in use by container other-web-1 (Portico project other).',
    });
    await expect(assertPortsFree(docker, 'other', [{ ...want, service: 'web' }])).resolves.toBeUndefined();
  });
});
