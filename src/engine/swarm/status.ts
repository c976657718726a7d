// What a project runs on the Swarm, from the manager's point of view: per Swarm service its
// desired and running tasks and the state of its last update. The gateway URL is read back
// from the gateway service's published port, never assumed.
import { GATEWAY_CONTAINER_PORT } from '../../runtime/contract/index.js';
import { LABEL, projectFilter } from '../../compile/labels.js';
import type { SwarmClient } from './client.js';

export interface SwarmServiceStatus {
  /** The Portico service (registry, gateway or a manifest service). */
  service: string;
  /** The Swarm service name. */
  name: string;
  image: string;
  replicas: { desired: number; running: number };
  /** global: one task per node (the gateway with `--publish host`). */
  mode: 'replicated' | 'global';
  /** null: never updated since it was created. */
  update: { state: string; message: string | null } | null;
  tasks: { id: string; slot: number | null; state: string; desiredState: string; error: string | null }[];
}

export interface SwarmStatus {
  project: string;
  target: 'swarm';
  gateway: { url: string | null };
  services: SwarmServiceStatus[];
}

export async function collectSwarmStatus(swarm: SwarmClient, project: string): Promise<SwarmStatus> {
  const [services, tasks] = await Promise.all([swarm.listServices(projectFilter(project)), swarm.listTasks(projectFilter(project))]);
  const gateway = services.find((s) => s.labels[LABEL.service] === 'gateway');
  const published = gateway?.publishedPorts.find((p) => p.target === GATEWAY_CONTAINER_PORT)?.published;
  return {
    project,
    target: 'swarm',
    // The routing mesh listens on every interface of every node; from this machine, loopback.
    gateway: { url: published ? `http://127.0.0.1:${published}` : null },
    services: services
      .map((s) => {
        const own = tasks.filter((t) => t.serviceId === s.id).sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || b.timestamp.localeCompare(a.timestamp));
        // Live tasks and the most recent history per slot: enough to see a failure, not every restart since creation.
        const shown = own.filter((t) => t.desiredState === 'running' || ['running', 'starting'].includes(t.state)).concat(own.filter((t) => t.desiredState !== 'running' && !['running', 'starting'].includes(t.state)).slice(0, 3));
        return {
          service: s.labels[LABEL.service] ?? s.name,
          name: s.name,
          image: s.image,
          replicas: {
            desired: s.global ? own.filter((t) => t.desiredState === 'running').length : s.replicas,
            running: own.filter((t) => t.desiredState === 'running' && t.state === 'running').length,
          },
          mode: s.global ? ('global' as const) : ('replicated' as const),
          update: s.updateState ? { state: s.updateState, message: s.updateMessage } : null,
          tasks: shown.map((t) => ({ id: t.id, slot: t.slot, state: t.state, desiredState: t.desiredState, error: t.error })),
        };
      })
      .sort((a, b) => order(a.service) - order(b.service) || a.service.localeCompare(b.service)),
  };
}

const order = (service: string) => (service === 'registry' ? 0 : service === 'gateway' ? 2 : 1);
