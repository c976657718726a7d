// "Resolve or build" for the base images Portico provides (the Node runtime, the Go
// toolchain): the registry's image when it is present or can be pulled quickly, else an image
// built from what the host has installed. Shared so both follow the same order and both
// remember an offline machine (a host-built image present means the registry was unreachable
// before: don't pay a pull timeout on every run).
import { PorticoError } from '../../core/errors.js';
import type { DockerClient } from '../docker/client.js';

/** How long a registry image is tried before falling back to the host-built one. */
export const PULL_PROBE_MS = 4000;

export interface ResolvedBase {
  ref: string;
  id: string;
  source: 'registry' | 'host-built';
}

export interface BaseImageRequest {
  /** The registry's image, e.g. node:20-slim or golang:1.19. */
  preferred: string;
  /** The image built from the host, e.g. portico/node-runtime:20.19.0. */
  hostRef: string;
  /** Builds hostRef (throws an environment error when the host cannot). */
  build: () => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export async function resolveOrBuildBaseImage(docker: DockerClient, req: BaseImageRequest): Promise<ResolvedBase> {
  const preferredId = await docker.imageId(req.preferred);
  if (preferredId) return { ref: req.preferred, id: preferredId, source: 'registry' };
  const hostId = await docker.imageId(req.hostRef);
  if (hostId) return { ref: req.hostRef, id: hostId, source: 'host-built' };
  const pulledId = await tryPull(docker, req.preferred, { signal: req.signal, onProgress: req.onProgress, timeoutMs: PULL_PROBE_MS });
  if (pulledId) return { ref: req.preferred, id: pulledId, source: 'registry' };
  await req.build();
  const id = await docker.imageId(req.hostRef);
  if (!id) throw new PorticoError(`building ${req.hostRef} reported success but the image is missing`);
  return { ref: req.hostRef, id, source: 'host-built' };
}

/** Pulls `ref`; its id, or undefined when no registry answered (an abort still throws). */
export async function tryPull(
  docker: DockerClient,
  ref: string,
  options: { signal?: AbortSignal; onProgress?: (line: string) => void; timeoutMs?: number },
): Promise<string | undefined> {
  try {
    await docker.pullImage(ref, options);
    return await docker.imageId(ref);
  } catch {
    options.signal?.throwIfAborted();
    return undefined;
  }
}
