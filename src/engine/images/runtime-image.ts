// The Node runtime image every Portico-built image starts FROM.
// `runtime.nodeImage: auto` -> node:<host major>-slim when present or pullable; where no
// registry is reachable, an image built FROM scratch out of the host's own node binary and
// the shared libraries it links (Linux only), tagged portico/node-runtime:<node version>.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { PorticoError, environmentError } from '../../core/errors.js';
import type { DockerClient } from '../docker/client.js';
import { LABEL } from '../../compile/labels.js';
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

/** How long `auto` tries to pull node:<major>-slim before falling back to the host-built image. */
const PULL_PROBE_MS = 4000;

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
  const slim = slimRef();
  const slimId = await docker.imageId(slim);
  if (slimId) return { ref: slim, id: slimId, source: 'node-slim' };
  // Built before means the registry was unreachable before: don't pay a pull timeout each run.
  const host = hostRuntimeRef();
  const hostId = await docker.imageId(host);
  if (hostId) return { ref: host, id: hostId, source: 'host-built' };
  try {
    await docker.pullImage(slim, { signal: options.signal, timeoutMs: PULL_PROBE_MS, onProgress: options.report.progress });
    const id = await docker.imageId(slim);
    if (id) return { ref: slim, id, source: 'node-slim' };
  } catch {
    options.signal?.throwIfAborted();
    // Fall through: no registry reachable.
  }
  await buildHostRuntimeImage(docker, host, options);
  options.report.info(`built runtime image ${host} from the host node (no registry reachable)`);
  const id = await docker.imageId(host);
  if (!id) throw new PorticoError(`building ${host} reported success but the image is missing`);
  return { ref: host, id, source: 'host-built' };
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

/** Files ldd reports for a binary: its shared libraries and the dynamic loader. */
export function parseLdd(output: string): string[] {
  const libs = new Set<string>();
  for (const line of output.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const file = arrow?.[1] ?? bare?.[1];
    if (file) libs.add(file);
  }
  return [...libs];
}

async function linkedFiles(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary]);
  return parseLdd(stdout);
}

/** The root filesystem of the host-built runtime image. */
export async function hostRuntimeEntries(nodeBinary = process.execPath): Promise<TarEntry[]> {
  const entries: TarEntry[] = [
    { name: 'Dockerfile', content: 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production\nWORKDIR /app\nCMD ["node"]\n' },
    { name: 'rootfs/', directory: true },
    { name: 'rootfs/etc/', directory: true },
    { name: 'rootfs/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' },
    { name: 'rootfs/etc/group', content: 'root:x:0:\nnode:x:1000:\n' },
    { name: 'rootfs/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    { name: 'rootfs/tmp/', directory: true, mode: 0o1777 },
    { name: 'rootfs/root/', directory: true, mode: 0o700 },
    { name: 'rootfs/home/', directory: true },
    { name: 'rootfs/home/node/', directory: true, uid: 1000, gid: 1000 },
    { name: 'rootfs/app/', directory: true },
    { name: 'rootfs/usr/', directory: true },
    { name: 'rootfs/usr/local/', directory: true },
    { name: 'rootfs/usr/local/bin/', directory: true },
    { name: 'rootfs/usr/local/bin/node', file: await realpath(nodeBinary), mode: 0o755 },
  ];
  const dirs = new Set<string>(entries.filter((e) => 'directory' in e).map((e) => e.name));
  const addFile = async (target: string, source: string, mode?: number) => {
    const parts = target.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `rootfs/${parts.slice(0, i).join('/')}/`;
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ name: dir, directory: true });
      }
    }
    entries.push({ name: `rootfs${target}`, file: await realpath(source), mode });
  };
  const libs = new Set(await linkedFiles(nodeBinary));
  // A POSIX shell, so images with shell-form CMD or HEALTHCHECK still work.
  const shell = existsSync('/bin/sh') ? await realpath('/bin/sh') : undefined;
  if (shell) for (const lib of await linkedFiles(shell)) libs.add(lib);
  for (const lib of libs) await addFile(lib, lib);
  if (shell) await addFile('/bin/sh', shell, 0o755);
  if (existsSync('/etc/ssl/certs/ca-certificates.crt')) await addFile('/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt');
  return entries;
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
