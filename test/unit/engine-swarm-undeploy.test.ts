// undeploy and the swarm pre-flight against an in-memory SwarmClient: what is removed, in
// which order, and that objects still in use are retried until their tasks are gone.
import { describe, expect, it } from 'vitest';
import type { NamedObject, SwarmClient, SwarmInfo, SwarmServiceInfo } from '../../src/engine/swarm/client.js';
import { assertSwarmManager } from '../../src/engine/swarm/deploy.js';
import { undeployFromSwarm } from '../../src/engine/swarm/undeploy.js';
import { PorticoError } from '../../src/core/errors.js';

const P = { 'dev.portico.project': 'shop' };
const obj = (id: string, name: string, labels = P): NamedObject => ({ id, name, labels });

function fakeSwarm(info: Partial<SwarmInfo> = {}, busyPolls = 0) {
  const calls: string[] = [];
  const services: SwarmServiceInfo[] = [
    { id: 's1', name: 'shop-orders', version: 1, labels: P, image: 'i', replicas: 1, global: false, updateState: null, updateMessage: null, publishedPorts: [] },
  ];
  const configs = [obj('c1', 'shop-gateway-json-1')];
  const secrets = [obj('x1', 'shop-shop-key-1')];
  const networks = [obj('n1', 'shop_swarm')];
  let polls = 0;
  const inUse = () => polls <= busyPolls;
  const removeFrom = (list: NamedObject[], kind: string) => async (id: string) => {
    if (inUse()) throw Object.assign(new Error(`${kind} in use`), { statusCode: 409 });
    calls.push(`rm ${kind} ${id}`);
    list.splice(list.findIndex((o) => o.id === id), 1);
  };
  const client = {
    info: async () => ({ state: 'active', manager: true, nodeId: 'n', nodes: 1, ...info }),
    listServices: async () => [...services],
    removeService: async (id: string) => {
      calls.push(`rm service ${id}`);
      services.splice(services.findIndex((s) => s.id === id), 1);
    },
    listConfigs: async () => (polls++, [...configs]),
    listSecrets: async () => [...secrets],
    listNetworks: async () => [...networks],
    removeConfig: removeFrom(configs, 'config'),
    removeSecret: removeFrom(secrets, 'secret'),
    removeNetwork: removeFrom(networks, 'network'),
  } as unknown as SwarmClient;
  return { client, calls };
}

const instantClock = { now: () => 0, sleep: async () => undefined };

describe('undeployFromSwarm', () => {
  it('removes the services first, then configs, secrets and the network of the project', async () => {
    const { client, calls } = fakeSwarm();
    const result = await undeployFromSwarm(client, 'shop', { timeoutMs: 1000, clock: instantClock });
    expect(calls).toEqual(['rm service s1', 'rm config c1', 'rm secret x1', 'rm network n1']);
    expect(result).toEqual({ project: 'shop', removed: { services: ['shop-orders'], configs: ['shop-gateway-json-1'], secrets: ['shop-shop-key-1'], networks: ['shop_swarm'] } });
  });

  it('retries objects that are still in use while the tasks stop', async () => {
    const { client, calls } = fakeSwarm({}, 2);
    let t = 0;
    const result = await undeployFromSwarm(client, 'shop', { timeoutMs: 10_000, clock: { now: () => t, sleep: async (ms) => void (t += ms) } });
    expect(calls.filter((c) => c.startsWith('rm network'))).toEqual(['rm network n1']);
    expect(result.removed.networks).toEqual(['shop_swarm']);
  });

  it('gives up with an actionable error when something else keeps them in use', async () => {
    const { client } = fakeSwarm({}, Number.POSITIVE_INFINITY);
    let t = 0;
    await expect(undeployFromSwarm(client, 'shop', { timeoutMs: 2000, clock: { now: () => t, sleep: async (ms) => void (t += ms) } })).rejects.toThrow(/still in use after 2 s: shop-gateway-json-1, shop-shop-key-1, shop_swarm/);
  });
});

describe('assertSwarmManager', () => {
  it('an engine in no swarm is an environment error (exit 3) that says how to join one', async () => {
    const error = await assertSwarmManager(fakeSwarm({ state: 'inactive', manager: false }).client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect(error).toMatchObject({ exitCode: 3, hint: expect.stringContaining('docker swarm init') });
  });

  it('a worker node is an environment error too; a manager passes, with its node (deploy pins services with mounts to it)', async () => {
    await expect(assertSwarmManager(fakeSwarm({ manager: false }).client)).rejects.toMatchObject({ exitCode: 3 });
    await expect(assertSwarmManager(fakeSwarm().client)).resolves.toMatchObject({ state: 'active', manager: true });
  });
});
