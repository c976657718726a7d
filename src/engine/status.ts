// What is running for a project, from Docker's point of view (labels + inspect). The gateway
// URL is read back from the gateway container's published port, never assumed.
import type { ContainerDetails, ContainerSummary, DockerClient } from './docker/client.js';
import { LABEL, projectFilter } from '../compile/labels.js';
import { gatewayUrlFromPorts } from './gateway-view.js';
import { withoutIdleStandbys } from './standby/spec.js';

export interface InstanceStatus {
  container: string;
  /** The id it registers under: the container name, or the name it was created with when it replaced another. */
  instanceId: string;
  id: string;
  replica: number;
  state: string;
  /** healthy | unhealthy | starting | none (no health check) */
  health: string;
  uptimeSeconds: number | null;
}

export interface StackStatus {
  project: string;
  gateway: { url: string | null };
  services: { name: string; instances: InstanceStatus[] }[];
}

/** The URL the gateway is published on, from its inspect data. */
export function gatewayUrlOf(details: ContainerDetails | undefined): string | null {
  return details ? gatewayUrlFromPorts(details.ports) : null;
}

/** Registry first, services by name, gateway last: the order `up` starts them in. */
function serviceOrder(name: string): string {
  return name === 'registry' ? '0' : name === 'gateway' ? '2' : `1${name}`;
}

export async function collectStatus(docker: DockerClient, project: string, now = Date.now()): Promise<StackStatus> {
  const containers = withoutIdleStandbys(await docker.listContainers(projectFilter(project)));
  const details = await Promise.all(containers.map((c) => docker.inspectContainer(c.id)));
  const byService = new Map<string, InstanceStatus[]>();
  let gatewayUrl: string | null = null;
  containers.forEach((c: ContainerSummary, i) => {
    const d = details[i];
    const service = c.labels[LABEL.service] ?? '?';
    if (service === 'gateway' && d?.state.running) gatewayUrl = gatewayUrlOf(d);
    const started = d?.state.running ? Date.parse(d.state.startedAt) : NaN;
    const list = byService.get(service) ?? [];
    list.push({
      container: c.name,
      instanceId: c.labels[LABEL.instance] ?? c.name,
      id: c.id,
      replica: Number(c.labels[LABEL.replica] ?? 0),
      state: d?.state.status ?? c.state,
      health: d?.state.health ?? 'none',
      uptimeSeconds: Number.isNaN(started) ? null : Math.max(0, Math.round((now - started) / 1000)),
    });
    byService.set(service, list);
  });
  const services = [...byService.entries()]
    .sort(([a], [b]) => serviceOrder(a).localeCompare(serviceOrder(b)))
    .map(([name, instances]) => ({ name, instances: instances.sort((a, b) => a.replica - b.replica) }));
  return { project, gateway: { url: gatewayUrl }, services };
}
