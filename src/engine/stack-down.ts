// `portico down`: stop (in parallel, briefly) and remove what carries the project's labels:
// containers, then the network, then (only with --volumes) named volumes. Never anything
// unlabelled.
import type { DockerClient } from './docker/client.js';
import { LABEL, projectFilter } from '../compile/labels.js';
import { STOP_TIMEOUT_S, removeContainer } from './remove.js';
import { pruneStandbyFolders } from './standby/files.js';

export interface DownRequest {
  project: string;
  volumes: boolean;
  removeOrphans: boolean;
  /**
   * Services the manifest knows (plus registry and gateway). Containers of other services
   * (orphans) stay unless removeOrphans. Undefined (no readable manifest): remove everything
   * of the project.
   */
  knownServices?: Set<string>;
  /** Only these services (`gateway down`: registry and gateway); networks and volumes stay. */
  onlyServices?: Set<string>;
  /**
   * The workspace's `.portico/standby` (standby/files.ts): the folders of the removed
   * containers go with them; those of kept ones stay (they run from them).
   */
  standbyDir?: string;
}

export interface DownResult {
  project: string;
  removed: { containers: string[]; networks: string[]; volumes: string[] };
  /** Orphan containers left because --remove-orphans was not given. */
  kept: string[];
}

export async function downStack(docker: DockerClient, req: DownRequest): Promise<DownResult> {
  const filter = projectFilter(req.project);
  const all = await docker.listContainers(filter);
  const inScope = all.filter((c) => !req.onlyServices || req.onlyServices.has(c.labels[LABEL.service] ?? ''));
  const isOrphan = (service: string) => req.knownServices !== undefined && !req.knownServices.has(service);
  const targets = inScope.filter((c) => req.removeOrphans || !isOrphan(c.labels[LABEL.service] ?? ''));
  const kept = inScope.filter((c) => !targets.includes(c)).map((c) => c.name);
  // Everything that talks to the registry first (services deregister on SIGTERM), then the
  // registry, so nobody waits on a registry that is already going away.
  // Removing the stopped ones overlaps with stopping the registry.
  const isRegistry = (c: (typeof targets)[number]) => c.labels[LABEL.service] === 'registry';
  const others = targets.filter((c) => !isRegistry(c));
  await Promise.all(others.map((c) => docker.stopContainer(c.id, STOP_TIMEOUT_S)));
  await Promise.all([
    ...others.map((c) => docker.removeContainer(c.id, { force: true })),
    ...targets.filter(isRegistry).map((c) => removeContainer(docker, c.id)),
  ]);

  const result: DownResult = { project: req.project, removed: { containers: targets.map((c) => c.name), networks: [], volumes: [] }, kept };
  if (req.standbyDir) await pruneStandbyFolders(req.standbyDir, new Set(all.filter((c) => !targets.includes(c)).map((c) => c.labels[LABEL.instance] ?? '')));
  if (req.onlyServices) return result;
  // A network with containers still attached (kept orphans) cannot go; say so instead.
  if (kept.length === 0) {
    for (const n of await docker.listNetworks(filter)) {
      await docker.removeNetwork(n.id);
      result.removed.networks.push(n.name);
    }
  }
  if (req.volumes) {
    for (const v of await docker.listVolumes(filter)) {
      await docker.removeVolume(v.name);
      result.removed.volumes.push(v.name);
    }
  }
  return result;
}
