// The config hash a container really has. A container that began as a `portico dev` standby
// keeps the config-hash label of the plan it was created from (labels are fixed at creation);
// what the reload put in is in its marker file (spec.ts). `up` and `rollOut` compare hashes
// through this, so a container `dev` reloaded is current for them, as one created anew is.
import { LABEL } from '../../compile/labels.js';
import type { ContainerSummary, DockerClient } from '../docker/client.js';
import { isIdleStandby, parseStandbyMarker, STANDBY_MARKER } from './spec.js';

/**
 * The containers with the config-hash label of standby-born ones replaced by their marker's.
 * `known` (container id -> hash) skips the read for containers the caller promoted itself.
 * A standby-born container without a readable marker keeps its label (and so looks changed).
 */
export async function withEffectiveConfigHashes(docker: DockerClient, containers: ContainerSummary[], known?: ReadonlyMap<string, string>): Promise<ContainerSummary[]> {
  return Promise.all(
    containers.map(async (c) => {
      if (c.labels[LABEL.standby] === undefined || isIdleStandby(c)) return c;
      const hash = known?.get(c.id) ?? parseStandbyMarker(await docker.readFile(c.id, STANDBY_MARKER).catch(() => undefined));
      return hash === undefined ? c : { ...c, labels: { ...c.labels, [LABEL.configHash]: hash } };
    }),
  );
}
