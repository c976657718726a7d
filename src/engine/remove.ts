// Removing one container the way `up` (recreate, surplus replicas) and `down` both do.
import type { DockerClient } from './docker/client.js';

/** Seconds `down`, recreate and removal give a container to stop before it is killed. */
export const STOP_TIMEOUT_S = 3;

/** Stop briefly, then remove (force: a container stuck in stop is killed). */
export async function removeContainer(docker: DockerClient, id: string): Promise<void> {
  await docker.stopContainer(id, STOP_TIMEOUT_S);
  await docker.removeContainer(id, { force: true });
}
