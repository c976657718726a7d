// The dockerode-backed DockerClient, and the memoised factory every command uses.
import Docker from 'dockerode';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { environmentError, PorticoError } from '../../core/errors.js';
import type {
  BuildOptions,
  ContainerCreateSpec,
  ContainerDetails,
  ContainerSummary,
  DockerClient,
  ExecIo,
  ExecResult,
  LabelFilter,
  PortBinding,
  PullOptions,
  TerminalSize,
} from './client.js';
import { DockerStreamDemuxer, demuxToStrings } from '../logs/demux.js';
import { statusOf } from './errors.js';
import tar from 'tar-stream';

const NS_PER_MS = 1_000_000;

function labelFilters(labels: LabelFilter = {}): string {
  const label = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
  return JSON.stringify(label.length > 0 ? { label } : {});
}

/** Reads a Docker JSON-lines progress stream (build, pull) to the end; rejects on an error line. */
function followProgress(modem: Docker['modem'], stream: NodeJS.ReadableStream, onProgress?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) reject(err);
        else if (failure) reject(new Error(failure));
        else resolve();
      },
      (event: { stream?: string; status?: string; progress?: string; id?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
        const line = event.stream ?? [event.id, event.status, event.progress].filter(Boolean).join(' ');
        if (line && line.trim()) onProgress?.(line.trimEnd());
      },
    );
  });
}

function ports(raw: Record<string, { HostIp: string; HostPort: string }[] | null> | undefined): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(raw ?? {})) {
    for (const b of bindings ?? []) {
      out.push({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort: Number.parseInt(key, 10) });
    }
  }
  return out;
}

export class DockerodeClient implements DockerClient {
  constructor(readonly docker: Docker) {}

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async version() {
    const v = await this.docker.version();
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async listContainers(labels?: LabelFilter): Promise<ContainerSummary[]> {
    const list = await this.docker.listContainers({ all: true, filters: labelFilters(labels) });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      labels: c.Labels ?? {},
      state: c.State,
      image: c.Image,
      ports: (c.Ports ?? [])
        .filter((p) => p.PublicPort !== undefined)
        .map((p) => ({ hostIp: p.IP ?? '', hostPort: p.PublicPort, containerPort: p.PrivatePort })),
    }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    try {
      const c = await this.docker.getContainer(id).inspect();
      const health = (c.State as { Health?: { Status: string; Log?: { ExitCode: number; Output: string; Start: string }[] } }).Health;
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        labels: c.Config.Labels ?? {},
        image: c.Config.Image,
        state: {
          status: c.State.Status,
          running: c.State.Running,
          exitCode: c.State.ExitCode,
          startedAt: c.State.StartedAt,
          health: health?.Status,
          healthLog: (health?.Log ?? []).map((l) => ({ exitCode: l.ExitCode, output: l.Output, start: l.Start })),
        },
        ports: ports(c.NetworkSettings.Ports as never),
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports) {
      const key = `${p.containerPort}/tcp`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      Cmd: spec.cmd,
      ExposedPorts: exposed,
      Healthcheck: spec.health && {
        Test: spec.health.test,
        Interval: spec.health.intervalMs * NS_PER_MS,
        Timeout: spec.health.timeoutMs * NS_PER_MS,
        Retries: spec.health.retries,
        StartPeriod: spec.health.startPeriodMs * NS_PER_MS,
      },
      HostConfig: {
        Init: spec.init,
        PortBindings: bindings,
        Binds: [
          ...spec.binds.map((b) => `${b.source}:${b.target}${b.readOnly ? ':ro' : ''}`),
          ...spec.volumes.map((v) => `${v.name}:${v.target}`),
        ],
        NetworkMode: spec.network,
      },
      NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } },
    });
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (error) {
      if (statusOf(error) !== 304) throw error; // already started
    }
  }

  async renameContainer(id: string, name: string): Promise<void> {
    await this.docker.getContainer(id).rename({ name });
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (error) {
      const status = statusOf(error);
      if (status !== 304 && status !== 404) throw error; // already stopped / already gone
    }
  }

  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: options.force ?? false, v: options.volumes ?? false });
    } catch (error) {
      const status = statusOf(error);
      // 404: already gone; 409 "removal already in progress" ends the same way.
      if (status !== 404 && !(status === 409 && /already in progress/.test(String((error as Error).message)))) throw error;
    }
  }

  async containerLogs(id: string, options: { tail?: number; follow?: boolean; timestamps?: boolean; since?: number }): Promise<Readable> {
    const container = this.docker.getContainer(id);
    const common = { stdout: true, stderr: true, tail: options.tail, timestamps: options.timestamps ?? false, ...(options.since === undefined ? {} : { since: options.since }) };
    if (options.follow) return (await container.logs({ ...common, follow: true })) as unknown as Readable;
    const buffer = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
    const stream = new PassThrough();
    stream.end(buffer);
    return stream;
  }

  async exec(id: string, cmd: string[]): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const { stdout, stderr } = await demuxToStrings(stream);
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout, stderr };
  }

  async execAttached(id: string, cmd: string[], io: ExecIo): Promise<number> {
    const attachStdin = io.stdin !== undefined;
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdin: attachStdin, AttachStdout: true, AttachStderr: true, Tty: io.tty });
    const stream = (await exec.start({ hijack: true, stdin: attachStdin, Tty: io.tty })) as Duplex;
    const finished = new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', reject);
    });
    const onAbort = () => stream.destroy();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    const resize = (size: TerminalSize) => void exec.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
    const unsubscribe = io.tty ? io.onResize?.(resize) : undefined;
    if (io.tty && io.size) resize(io.size);
    if (io.tty) {
      stream.on('data', (chunk: Buffer) => io.stdout.write(chunk));
    } else {
      const demuxer = new DockerStreamDemuxer();
      stream.on('data', (chunk: Buffer) => {
        for (const frame of demuxer.push(chunk)) (frame.stream === 'stderr' ? io.stderr : io.stdout).write(frame.data);
      });
    }
    // stdin's end half-closes the connection: the command sees EOF and its output keeps coming.
    if (io.stdin) io.stdin.pipe(stream);
    try {
      await finished;
    } finally {
      io.stdin?.unpipe(stream);
      unsubscribe?.();
      io.signal?.removeEventListener('abort', onAbort);
    }
    io.signal?.throwIfAborted();
    // The stream can end a moment before the engine records the exit code.
    for (let attempt = 0; ; attempt++) {
      const info = await exec.inspect();
      if (!info.Running || attempt >= 50) return info.ExitCode ?? 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async listNetworks(labels: LabelFilter) {
    const list = await this.docker.listNetworks({ filters: labelFilters(labels) });
    return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const network = await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
    return network.id;
  }

  async removeNetwork(id: string): Promise<void> {
    try {
      await this.docker.getNetwork(id).remove();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async listVolumes(labels: LabelFilter) {
    const res = await this.docker.listVolumes({ filters: labelFilters(labels) });
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.docker.createVolume({ Name: name, Labels: labels });
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async inspectImage(ref: string): Promise<{ id: string; labels: Record<string, string>; cmd?: string[] } | undefined> {
    try {
      const image = await this.docker.getImage(ref).inspect();
      return { id: image.Id, labels: image.Config?.Labels ?? {}, cmd: image.Config?.Cmd ?? undefined };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    await this.docker.getContainer(id).putArchive(tar, { path });
  }

  async readFile(id: string, path: string): Promise<string | undefined> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await this.docker.getContainer(id).getArchive({ path });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    return firstFileOf(archive as unknown as Readable);
  }

  async connectNetwork(id: string, network: string, aliases: string[]): Promise<void> {
    await this.docker.getNetwork(network).connect({ Container: id, EndpointConfig: { Aliases: aliases } });
  }

  async disconnectNetwork(id: string, network: string): Promise<void> {
    await this.docker.getNetwork(network).disconnect({ Container: id, Force: true });
  }

  async buildImage(context: Readable, options: BuildOptions): Promise<void> {
    const stream = await this.docker.buildImage(context as NodeJS.ReadableStream, {
      t: options.tag,
      buildargs: options.buildargs,
      labels: options.labels,
      // Only when set: an undefined option would be sent as an empty query parameter.
      ...(options.dockerfile !== undefined && { dockerfile: options.dockerfile }),
      ...(options.target !== undefined && { target: options.target }),
      rm: true,
      forcerm: true,
      abortSignal: options.signal,
    } as Docker.ImageBuildOptions);
    await followProgress(this.docker.modem, stream, options.onProgress);
  }

  async pullImage(ref: string, options: PullOptions = {}): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs ? setTimeout(() => controller.abort(), options.timeoutMs) : undefined;
    try {
      const stream = (await this.docker.pull(ref, { abortSignal: controller.signal })) as NodeJS.ReadableStream;
      await followProgress(this.docker.modem, stream, options.onProgress);
    } catch (error) {
      if (controller.signal.aborted && !options.signal?.aborted) throw new Error(`pull of ${ref} timed out after ${options.timeoutMs} ms`);
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

let memo: Promise<DockerClient> | undefined;

/** How to get a Docker engine running, for the exit-3 message. */
export const DOCKER_START_HINT =
  'Start Docker: `sudo systemctl start docker` (Linux with systemd), `sudo dockerd &` (no systemd), or open Docker Desktop. ' +
  'If it runs elsewhere, set DOCKER_HOST. Then check with `docker info` or `portico doctor`.';

/**
 * The one Docker client of the process, checked to answer. Docker unreachable is an
 * environment error (exit 3) saying how to start it.
 */
export function getDockerClient(): Promise<DockerClient> {
  memo ??= (async () => {
    const client = new DockerodeClient(new Docker());
    try {
      await withTimeout(client.ping(), 5000);
    } catch (error) {
      memo = undefined;
      const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
      throw environmentError(`Docker is not reachable at ${where} (${(error as Error).message}).`, DOCKER_START_HINT);
    }
    return client;
  })();
  return memo;
}

/** Test hook: replace the client the factory hands out (unit tests pass a fake). */
export function setDockerClient(client: DockerClient | undefined): void {
  memo = client ? Promise.resolve(client) : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new PorticoError(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** The first regular file's text in a tar stream (what the archive API sends for one path). */
function firstFileOf(archive: Readable): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let found: string | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (found === undefined && header.type === 'file') found = Buffer.concat(chunks).toString('utf8');
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(found));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
