// The narrow interface of what Portico needs from the Docker engine. One implementation
// (dockerode-client.ts) talks to the real engine; unit tests of reconcile use a fake.
import type { Readable } from 'node:stream';
import type { ContainerSpec, PortBinding } from '../../compile/container-spec.js';

export type { ContainerSpec, HealthCheckSpec, PortBinding } from '../../compile/container-spec.js';

export type LabelFilter = Record<string, string | true>;

export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  labels: Record<string, string>;
  /** created | running | exited | paused | restarting | removing | dead */
  state: string;
  image: string;
  /** Host ports this container publishes. */
  ports: PortBinding[];
}

export interface HealthLogEntry {
  exitCode: number;
  output: string;
  start: string;
}

export interface ContainerDetails {
  id: string;
  name: string;
  labels: Record<string, string>;
  image: string;
  state: {
    status: string;
    running: boolean;
    exitCode: number;
    startedAt: string;
    /** starting | healthy | unhealthy, or undefined when the container has no health check. */
    health?: string;
    healthLog: HealthLogEntry[];
  };
  ports: PortBinding[];
}

/** What the plan describes, on the project network, with an init process as PID 1. */
export interface ContainerCreateSpec extends ContainerSpec {
  network: string;
  /** Run an init process as PID 1 so SIGTERM stops node promptly. */
  init: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The streams of a command run in a container (`portico exec`). */
export interface ExecIo {
  /** Allocate a pseudo-terminal: output arrives as one raw stream, keys go through as typed. */
  tty: boolean;
  /** Sent to the command's stdin when given (attached only then). */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The terminal's size now (TTY only). */
  size?: TerminalSize;
  /** Subscribes to terminal size changes (TTY only); returns the unsubscribe. */
  onResize?: (listener: (size: TerminalSize) => void) => () => void;
  /** Stops waiting for the command (it may keep running in the container). */
  signal?: AbortSignal;
}

export interface TerminalSize {
  rows: number;
  columns: number;
}

export interface BuildOptions {
  tag: string;
  buildargs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Path of the Dockerfile inside the context (default Dockerfile). */
  dockerfile?: string;
  /** Stage of a multi-stage Dockerfile to stop at. */
  target?: string;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export interface PullOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface DockerClient {
  /** Resolves when the engine answers; rejects with the connection error otherwise. */
  ping(): Promise<void>;
  version(): Promise<{ version: string; apiVersion: string; os: string; arch: string }>;

  listContainers(labels?: LabelFilter): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerDetails | undefined>;
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Renames a (running or stopped) container; the network's DNS follows the new name. */
  renameContainer(id: string, name: string): Promise<void>;
  /** Already stopped is success. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Already gone is success. */
  removeContainer(id: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** The raw (multiplexed unless TTY) log stream. */
  containerLogs(id: string, options: { tail?: number; follow?: boolean; timestamps?: boolean; since?: number }): Promise<Readable>;
  exec(id: string, cmd: string[]): Promise<ExecResult>;
  /** Runs `cmd` in the container with its streams attached to `io`; resolves with its exit code. */
  execAttached(id: string, cmd: string[], io: ExecIo): Promise<number>;

  listNetworks(labels: LabelFilter): Promise<{ id: string; name: string; labels: Record<string, string> }[]>;
  createNetwork(name: string, labels: Record<string, string>): Promise<string>;
  removeNetwork(id: string): Promise<void>;

  listVolumes(labels: LabelFilter): Promise<{ name: string; labels: Record<string, string> }[]>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;

  /** The image id, or undefined when the image is not present locally. */
  imageId(ref: string): Promise<string | undefined>;
  /** An image's id and labels, or undefined when it is not present. */
  inspectImage(ref: string): Promise<{ id: string; labels: Record<string, string>; cmd?: string[] } | undefined>;
  /** Extracts a tar archive into a (created or running) container at `path`, which must exist. */
  putArchive(id: string, path: string, tar: Buffer): Promise<void>;
  /** One file's text from a (running or stopped) container, or undefined when it is not there. */
  readFile(id: string, path: string): Promise<string | undefined>;
  /** Attaches a (created or running) container to a network, with DNS aliases there. */
  connectNetwork(id: string, network: string, aliases: string[]): Promise<void>;
  disconnectNetwork(id: string, network: string): Promise<void>;
  /** Builds from a tar stream holding the context (with its Dockerfile at the root). */
  buildImage(context: Readable, options: BuildOptions): Promise<void>;
  pullImage(ref: string, options?: PullOptions): Promise<void>;
}
