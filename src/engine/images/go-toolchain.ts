// The Go toolchain image Go services build in (their Dockerfile's build stage starts FROM
// ${PORTICO_GO_IMAGE}). golang:<host Go major.minor> when present or pullable; where no
// registry is reachable, portico/go-toolchain:<host Go version> built FROM scratch out of the
// host's GOROOT (the Go toolchain is self-contained: the go command, its tools and the standard
// library's sources), with a shell for shell-form RUN, and the build cache warmed for the
// standard library packages an HTTP service uses, with the flags the template builds with
// (CGO_ENABLED=0, -trimpath): a service build then compiles only the service itself.
import { execa } from 'execa';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { environmentError } from '../../core/errors.js';
import { LABEL } from '../../compile/labels.js';
import type { DockerClient } from '../docker/client.js';
import { resolveOrBuildBaseImage, tryPull, type ResolvedBase } from './base-image.js';
import { HostRootfs } from './host-rootfs.js';
import type { ImageReporter } from './runtime-image.js';
import { tarStream, type TarEntry } from './tar.js';

/** Build arg a Dockerfile declares (`ARG PORTICO_GO_IMAGE`, `FROM ${PORTICO_GO_IMAGE} AS build`) to build in this image. */
export const GO_IMAGE_ARG = 'PORTICO_GO_IMAGE';
/** Tried when the host has no Go and the Dockerfile's ARG has no default. */
export const DEFAULT_GO_IMAGE = 'golang:1.19';

export interface HostGo {
  goroot: string;
  /** e.g. 1.19.8 */
  version: string;
}

export const golangRef = (version: string) => `golang:${version.split('.').slice(0, 2).join('.')}`;
export const hostToolchainRef = (version: string) => `portico/go-toolchain:${version}`;

/** The host's Go (`go env GOROOT GOVERSION`), or undefined when none is installed. */
export async function hostGo(): Promise<HostGo | undefined> {
  try {
    const { stdout } = await execa('go', ['env', 'GOROOT', 'GOVERSION'], { env: { GOFLAGS: '', GOTOOLCHAIN: 'local' } });
    const [goroot, goversion] = stdout.trim().split('\n');
    if (!goroot || !goversion?.startsWith('go')) return undefined;
    return { goroot, version: goversion.slice(2) };
  } catch {
    return undefined;
  }
}

/** Standard library packages compiled into the toolchain image's build cache (the template's imports and `go test`'s). */
const WARM_PACKAGES = ['net/http', 'net/http/httptest', 'encoding/json', 'os/signal', 'flag', 'embed', 'testing', 'testing/internal/testdeps'];

const toolchainDockerfile = [
  'FROM scratch',
  'COPY rootfs/ /',
  // No C compiler in here: cgo off. No network: GOPROXY off (module downloads fail fast, by name).
  'ENV PATH=/usr/local/go/bin:/usr/bin:/bin GOROOT=/usr/local/go GOPATH=/go GOCACHE=/root/.cache/go-build GOENV=off GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off CGO_ENABLED=0',
  `RUN ["go", "build", "-trimpath", ${WARM_PACKAGES.map((p) => JSON.stringify(p)).join(', ')}]`,
  'WORKDIR /go',
  '',
].join('\n');

/**
 * Which parts of a GOROOT a build needs: the go command, its tools (pkg/tool), the standard
 * library's sources. Left out: the toolchain's own sources (src/cmd), tests and test data,
 * docs, and precompiled archives (unused by -trimpath builds; Go 1.20+ ships none).
 */
export function goRootKeeps(rel: string, isDir: boolean): boolean {
  const parts = rel.split('/');
  const top = parts[0]!;
  if (parts.length === 1) return isDir ? ['bin', 'pkg', 'src', 'lib'].includes(top) : ['VERSION', 'go.env'].includes(top);
  if (top === 'pkg') return ['tool', 'include'].includes(parts[1]!);
  if (top === 'src') {
    if (parts[1] === 'cmd' || parts.includes('testdata')) return false;
    return isDir || !rel.endsWith('_test.go');
  }
  return true;
}

/** The build context of portico/go-toolchain: GOROOT at /usr/local/go, a shell, /tmp. */
export async function goToolchainEntries(goroot: string): Promise<TarEntry[]> {
  const rootfs = new HostRootfs()
    .text('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n')
    .text('/etc/group', 'root:x:0:\n')
    .dir('/tmp', { mode: 0o1777 })
    .dir('/root', { mode: 0o700 })
    .dir('/go');
  await rootfs.shell();
  await rootfs.caCertificates();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of (await readdir(path.join(goroot, rel))).sort()) {
      const child = rel ? `${rel}/${entry}` : entry;
      // Debian's GOROOT links src/, pkg/include/... into /usr/share: follow them.
      const info = await stat(path.join(goroot, child));
      if (!goRootKeeps(child, info.isDirectory())) continue;
      if (info.isDirectory()) await walk(child);
      else if (info.isFile()) await rootfs.file(`/usr/local/go/${child}`, path.join(goroot, child), info.mode & 0o7777);
    }
  };
  await walk('');
  return [{ name: 'Dockerfile', content: toolchainDockerfile }, ...rootfs.entries];
}

export interface GoToolchainOptions {
  signal?: AbortSignal;
  report: ImageReporter;
  version: string;
  /** The Dockerfile's own default for PORTICO_GO_IMAGE: tried when the host has no Go. */
  fallback?: string;
  /** Finds the host's Go (tests pass a stub). */
  findGo?: () => Promise<HostGo | undefined>;
}

// Go services build concurrently: they share one resolution (one toolchain build) while it runs.
const inFlight = new Map<string, Promise<ResolvedBase>>();

/** The toolchain image reference for PORTICO_GO_IMAGE. Exit 3 when there is no Go anywhere. */
export async function resolveGoToolchain(docker: DockerClient, options: GoToolchainOptions): Promise<ResolvedBase> {
  const host = await (options.findGo ?? hostGo)();
  const key = host ? hostToolchainRef(host.version) : (options.fallback ?? DEFAULT_GO_IMAGE);
  let pending = inFlight.get(key);
  if (!pending) {
    pending = (host ? fromHost(docker, host, options) : fromRegistry(docker, key, options)).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

function fromHost(docker: DockerClient, host: HostGo, options: GoToolchainOptions): Promise<ResolvedBase> {
  const ref = hostToolchainRef(host.version);
  return resolveOrBuildBaseImage(docker, {
    preferred: golangRef(host.version),
    hostRef: ref,
    signal: options.signal,
    onProgress: options.report.progress,
    build: async () => {
      if (process.platform !== 'linux') throw noGoError(golangRef(host.version), 'building one from the host Go works on Linux only');
      options.report.progress?.(`building ${ref} from the host Go (${host.goroot}); once per Go version`);
      await docker.buildImage(tarStream(await goToolchainEntries(host.goroot)), {
        tag: ref,
        labels: { [LABEL.version]: options.version },
        signal: options.signal,
        onProgress: options.report.buildLog,
      });
      options.report.info(`built Go toolchain image ${ref} from the host Go (no registry reachable)`);
    },
  });
}

async function fromRegistry(docker: DockerClient, ref: string, options: GoToolchainOptions): Promise<ResolvedBase> {
  const id = (await docker.imageId(ref)) ?? (await tryPull(docker, ref, { signal: options.signal, onProgress: options.report.progress }));
  if (id) return { ref, id, source: 'registry' };
  throw noGoError(ref, 'no Go is installed on this host to build a toolchain image from');
}

function noGoError(ref: string, why: string) {
  return environmentError(
    `no Go toolchain image: ${ref} is not present and could not be pulled, and ${why}.`,
    `Install Go (\`apt install golang-go\`) so Portico builds the toolchain image from it, or make ${ref} available ` +
      `(\`docker pull ${ref}\` where a registry is reachable, or \`docker load -i <file>.tar\`); then run \`portico up\` again.`,
  );
}
