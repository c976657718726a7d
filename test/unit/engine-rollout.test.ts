// Pure parts of restart / scale / dev: which slots a rollout replaces or retires, the hash that
// ignores a rolled container's temporary name, `scale` argument parsing, `scale --save`'s edit,
// and the rolling replace's order of Docker calls (on the in-memory fake).
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/load.js';
import { setReplicasText } from '../../src/manifest/edit.js';
import { hashConfig, type ContainerPlan } from '../../src/compile/plan.js';
import { LABEL } from '../../src/compile/labels.js';
import { slotActions } from '../../src/engine/rollout.js';
import { replaceSlot, retireSlot } from '../../src/engine/rolling.js';
import { parseAssignment } from '../../src/cli/commands/scale.js';
import type { ContainerSummary } from '../../src/engine/docker/client.js';
import { FakeDocker } from './helpers/fake-docker.js';

const plan = (name: string, replica: number, hash = 'h1'): ContainerPlan => ({
  name,
  role: 'service',
  service: 's',
  replica,
  image: 'img',
  env: { PORTICO_INSTANCE_ID: name },
  labels: { [LABEL.project]: 'p', [LABEL.service]: 's', [LABEL.replica]: String(replica), [LABEL.configHash]: hash },
  aliases: ['s'],
  ports: [],
  binds: [],
  volumes: [],
  dependsOn: [],
  configHash: hash,
});
const running = (name: string, replica: number, hash = 'h1', state = 'running'): ContainerSummary => ({
  id: `id-${name}`,
  name,
  labels: { [LABEL.service]: 's', [LABEL.replica]: String(replica), [LABEL.configHash]: hash },
  state,
  image: 'img',
  ports: [],
});

describe('slotActions', () => {
  it('replaces missing, stopped and changed slots; keeps the rest', () => {
    const desired = [plan('p-s-1', 1), plan('p-s-2', 2), plan('p-s-3', 3), plan('p-s-4', 4)];
    const current = [running('p-s-1', 1), running('p-s-2', 2, 'old'), running('p-s-3', 3, 'h1', 'exited')];
    const { replace, retire } = slotActions(desired, current, false);
    expect(replace.map(([d, old]) => `${d.name}<-${old?.name ?? 'none'}`)).toEqual(['p-s-2<-p-s-2', 'p-s-3<-p-s-3', 'p-s-4<-none']);
    expect(retire).toEqual([]);
  });
  it('force replaces every slot; surplus and leftover containers retire, highest replica first', () => {
    const current = [running('p-s-1', 1), running('p-s-2', 2), running('p-s-3', 3), running('p-s-1-abc', 1)];
    const { replace, retire } = slotActions([plan('p-s-1', 1)], current, true);
    expect(replace.map(([d]) => d.name)).toEqual(['p-s-1']);
    expect(retire.map((c) => c.name)).toEqual(['p-s-3', 'p-s-2', 'p-s-1-abc']);
  });
});

describe('hashConfig', () => {
  it('ignores the container name and the instance id (a rolled container keeps its hash)', () => {
    const { configHash: _a, ...a } = plan('p-s-1', 1);
    const b = { ...a, name: 'p-s-1-xyz', env: { PORTICO_INSTANCE_ID: 'p-s-1-xyz' } };
    expect(hashConfig(b)).toBe(hashConfig(a));
    expect(hashConfig({ ...a, env: { ...a.env, OTHER: '1' } })).not.toBe(hashConfig(a));
  });
});

describe('replaceSlot / retireSlot (fake engine)', () => {
  const ctx = (docker: FakeDocker) => ({ docker, project: 'p', network: 'p-net', timeoutMs: 1000 });
  it('starts the new container under a temporary name, swaps the names, then drains the old one', async () => {
    const docker = new FakeDocker();
    const oldId = await docker.createContainer({ ...plan('p-s-1', 1, 'h0'), network: 'p-net', init: true });
    await docker.startContainer(oldId);
    const old = (await docker.listContainers())[0]!;
    docker.calls = [];
    // No health check in this plan: Docker's `running` is ready, the registry is not asked.
    await replaceSlot(ctx(docker), plan('p-s-1', 1), old);
    const temp = docker.calls[0]!.replace('create ', '');
    expect(temp).toMatch(/^p-s-1-[a-z0-9]+$/);
    expect(docker.calls).toEqual([`create ${temp}`, `start ${temp}`, `rename p-s-1 p-s-1-old-${temp.slice('p-s-1-'.length)}`, `rename ${temp} p-s-1`, `stop p-s-1-old-${temp.slice('p-s-1-'.length)}`, `remove p-s-1-old-${temp.slice('p-s-1-'.length)}`]);
    const left = await docker.listContainers();
    expect(left.map((c) => [c.name, c.labels[LABEL.configHash]])).toEqual([['p-s-1', 'h1']]);
  });
  it('a template container is serving once the registry passes it (no wait for Docker health)', async () => {
    const docker = new FakeDocker();
    docker.healthOf = () => 'starting';
    const execs: string[][] = [];
    docker.exec = async (id: string, cmd: string[]) => (execs.push([id, ...cmd]), { exitCode: 0, stdout: '', stderr: '' });
    const health = { test: ['CMD', 'true'], intervalMs: 1, timeoutMs: 1, retries: 1, startPeriodMs: 0 };
    await replaceSlot(ctx(docker), { ...plan('p-s-1', 1), health }, undefined);
    expect(execs).toHaveLength(1);
    expect(execs[0]![0]).toBe('p-registry-1');
    expect(execs[0]!.at(-1)).toContain('"p-s-1"');
  });
  it('a new container that exits is removed and the old one keeps running', async () => {
    const docker = new FakeDocker();
    const oldId = await docker.createContainer({ ...plan('p-s-1', 1, 'h0'), network: 'p-net', init: true });
    await docker.startContainer(oldId);
    const old = (await docker.listContainers())[0]!;
    docker.healthOf = (name) => (name === 'p-s-1' ? 'healthy' : 'unhealthy');
    // The registry never lists the new instance: its waiter runs until its budget ends.
    docker.exec = () => new Promise((resolve) => setTimeout(() => resolve({ exitCode: 2, stdout: '', stderr: '' }), 500));
    const health = { test: ['CMD', 'true'], intervalMs: 1, timeoutMs: 1, retries: 1, startPeriodMs: 0 };
    await expect(replaceSlot(ctx(docker), { ...plan('p-s-1', 1), health }, old)).rejects.toThrow(/health check failing; nothing was replaced/);
    const left = await docker.listContainers();
    expect(left.map((c) => [c.name, c.state])).toEqual([['p-s-1', 'running']]);
  });
  it('retiring drains (stop) before removing', async () => {
    const docker = new FakeDocker();
    await docker.createContainer({ ...plan('p-s-2', 2), network: 'p-net', init: true });
    const c = (await docker.listContainers())[0]!;
    docker.calls = [];
    const changes: string[] = [];
    await retireSlot({ ...ctx(docker), onChange: (ch) => changes.push(`${ch.container} ${ch.action}`) }, c);
    expect(docker.calls).toEqual(['stop p-s-2', 'remove p-s-2']);
    expect(changes).toEqual(['p-s-2 removed']);
  });
});

describe('scale', () => {
  it('parses <service>=<n> and refuses anything else', () => {
    expect(parseAssignment('orders=3')).toEqual({ service: 'orders', replicas: 3 });
    expect(parseAssignment('orders=0')).toEqual({ service: 'orders', replicas: 0 });
    for (const bad of ['orders', 'orders=', 'orders=-1', 'orders=2.5', '=2', 'orders=21']) expect(() => parseAssignment(bad), bad).toThrow(/expected <service>=<replicas>/);
  });
  it('--save sets replicas in portico.yaml keeping comments', () => {
    const text = ['# top', 'version: 1', 'name: shop', 'services:', '  # orders!', '  orders:', '    port: 3000 # inline', '    template: node-fastify', '  users:', '    replicas: 2', '    port: 3001', '    template: node-express', ''].join('\n');
    const loaded = parseManifest(text, '/w/portico.yaml');
    expect(setReplicasText(loaded, 'orders', 3)).toBe(text.replace('    template: node-fastify\n', '    template: node-fastify\n    replicas: 3\n'));
    expect(setReplicasText(loaded, 'users', 1)).toBe(text.replace('replicas: 2', 'replicas: 1'));
  });
});
