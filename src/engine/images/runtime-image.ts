// The Node runtime image every Portico-built image starts FROM.
// `runtime.nodeImage: auto` -> node:<host major>-slim when present or pullable; where no
// registry is reachable, an image built FROM scratch out of the host's own node binary and
// the shared libraries it links (Linux only), tagged portico/node-runtime:<node version>.
import { PorticoError, environmentError } from '../../core/errors.js';
import type { DockerClient } from '../docker/client.js';
import { LABEL } from '../../compile/labels.js';
import { resolveOrBuildBaseImage } from './base-image.js';
import { HostRootfs } from './host-rootfs.js';
import { tarStream, type TarEntry } from './tar.js';

export interface RuntimeImage {
  ref: string;
  id: string;
  source: 'configured' | 'node-slim' | 'host-built';
}

export interface ImageReporter {
  info(message: string): void;
  /** Portico's own progress (a pull, `npm run build`): worth a line even in CI logs. */
  progress?(line: string): void;
  /** Docker's build stream, step by step: shown live on a terminal, kept out of plain logs. */
  buildLog?(line: string): void;
}

export const hostRuntimeRef = (nodeVersion = process.version) => `portico/node-runtime:${nodeVersion.replace(/^v/, '')}`;
export const slimRef = (nodeVersion = process.version) => `node:${nodeVersion.replace(/^v/, '').split('.')[0]}-slim`;

export async function resolveRuntimeImage(
  docker: DockerClient,
  nodeImage: string,
  options: { signal?: AbortSignal; report: ImageReporter; version: string },
): Promise<RuntimeImage> {
  if (nodeImage !== 'auto') {
    const id = (await docker.imageId(nodeImage)) ?? (await pullOrExplain(docker, nodeImage, options));
    return { ref: nodeImage, id, source: 'configured' };
  }
  const host = hostRuntimeRef();
  const resolved = await resolveOrBuildBaseImage(docker, {
    preferred: slimRef(),
    hostRef: host,
    signal: options.signal,
    onProgress: options.report.progress,
    build: async () => {
      await buildHostRuntimeImage(docker, host, options);
      options.report.info(`built runtime image ${host} from the host node (no registry reachable)`);
    },
  });
  return { ref: resolved.ref, id: resolved.id, source: resolved.source === 'registry' ? 'node-slim' : 'host-built' };
}

async function pullOrExplain(docker: DockerClient, ref: string, options: { signal?: AbortSignal; report: ImageReporter }): Promise<string> {
  try {
    await docker.pullImage(ref, { signal: options.signal, onProgress: options.report.progress });
  } catch (error) {
    options.signal?.throwIfAborted();
    throw missingImageError(ref, error);
  }
  const id = await docker.imageId(ref);
  if (!id) throw missingImageError(ref, new Error('not present after pull'));
  return id;
}

/** The error for an image that is neither present nor pullable. */
export function missingImageError(ref: string, cause: unknown): PorticoError {
  return environmentError(
    `image ${ref} is not present locally and could not be pulled (${(cause as Error)?.message ?? cause}).`,
    `Provide it: \`docker load -i <file>.tar\` with an exported copy (\`docker save ${ref}\` on a machine that has it), ` +
      `or \`docker pull ${ref}\` where a registry is reachable; then run \`portico up\` again.`,
  );
}

/** The root filesystem of the host-built runtime image. */
export async function hostRuntimeEntries(nodeBinary = process.execPath): Promise<TarEntry[]> {
  const rootfs = new HostRootfs()
    .text('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n')
    .text('/etc/group', 'root:x:0:\nnode:x:1000:\n')
    .text('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n')
    .dir('/tmp', { mode: 0o1777 })
    .dir('/root', { mode: 0o700 })
    .dir('/home/node', { uid: 1000, gid: 1000 })
    .dir('/app');
  await rootfs.file('/usr/local/bin/node', nodeBinary, 0o755);
  await rootfs.librariesOf(nodeBinary);
  // A POSIX shell, so images with shell-form CMD or HEALTHCHECK still work.
  await rootfs.shell();
  await rootfs.caCertificates();
  return [
    { name: 'Dockerfile', content: 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production\nWORKDIR /app\nCMD ["node"]\n' },
    ...rootfs.entries,
  ];
}

export async function buildHostRuntimeImage(
  docker: DockerClient,
  tag: string,
  options: { signal?: AbortSignal; report: ImageReporter; version: string },
): Promise<void> {
  if (process.platform !== 'linux') {
    throw environmentError(
      `no Node runtime image: ${slimRef()} is not present and could not be pulled, and building one from the host node works on Linux only.`,
      `Pull it where a registry is reachable (\`docker pull ${slimRef()}\`) or load it (\`docker load -i node-slim.tar\`), or set runtime.nodeImage in portico.yaml to an image you have.`,
    );
  }
  const context = tarStream(await hostRuntimeEntries());
  await docker.buildImage(context, { tag, labels: { [LABEL.version]: options.version }, signal: options.signal, onProgress: options.report.buildLog });
}
