// `portico undeploy`: removes exactly what `deploy` created, found by the project label:
// services first, then (once their tasks are gone, or the network stays "in use") the
// network, the configs and the secrets.
import { PorticoError } from '../../core/errors.js';
import { projectFilter } from '../../compile/labels.js';
import { realClock, type WaitClock } from '../health.js';
import type { SwarmClient } from './client.js';

export interface UndeployResult {
  project: string;
  removed: { services: string[]; configs: string[]; secrets: string[]; networks: string[] };
}

export async function undeployFromSwarm(
  swarm: SwarmClient,
  project: string,
  options: { timeoutMs: number; signal?: AbortSignal; clock?: WaitClock; say?: (line: string) => void },
): Promise<UndeployResult> {
  const filter = projectFilter(project);
  const clock = options.clock ?? realClock;
  const services = await swarm.listServices(filter);
  for (const s of services) {
    await swarm.removeService(s.id);
    options.say?.(`service ${s.name} removed`);
  }
  // Removing a service returns at once; its tasks stop within their grace period. Configs,
  // secrets and the network stay "in use" until then, so wait for the tasks to be gone.
  const deadline = clock.now() + options.timeoutMs;
  const removed: UndeployResult['removed'] = { services: services.map((s) => s.name), configs: [], secrets: [], networks: [] };
  const pending = async () => {
    const remove = async (list: { id: string; name: string }[], fn: (id: string) => Promise<void>, into: string[]) => {
      for (const o of list) if (await fn(o.id).then(() => true, () => false)) into.push(o.name);
    };
    await remove(await swarm.listConfigs(filter), (id) => swarm.removeConfig(id), removed.configs);
    await remove(await swarm.listSecrets(filter), (id) => swarm.removeSecret(id), removed.secrets);
    await remove(await swarm.listNetworks(filter), (id) => swarm.removeNetwork(id), removed.networks);
    const left = [...(await swarm.listConfigs(filter)), ...(await swarm.listSecrets(filter)), ...(await swarm.listNetworks(filter))];
    return left.map((o) => o.name);
  };
  for (;;) {
    const left = await pending();
    if (left.length === 0) break;
    if (clock.now() >= deadline) throw new PorticoError(`still in use after ${Math.round(options.timeoutMs / 1000)} s: ${left.join(', ')}`, { hint: 'Something outside this project may use them (`docker network inspect`); run `portico undeploy` again once it is gone.' });
    await clock.sleep(500, options.signal);
  }
  for (const kind of ['configs', 'secrets', 'networks'] as const) if (removed[kind].length > 0) options.say?.(`${kind} removed: ${removed[kind].join(', ')}`);
  return { project, removed };
}
