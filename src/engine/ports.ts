// Pre-flight: is the gateway's host port free? When it is not, name who holds it: one of
// Docker's containers (published port) or a host process (from /proc on Linux).
import { createServer } from 'node:net';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { environmentError } from '../core/errors.js';
import type { DockerClient } from './docker/client.js';
import { LABEL } from '../compile/labels.js';

/** Resolves true when `host:port` can be bound right now. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The host process listening on TCP `port`, from /proc (Linux; undefined elsewhere or when hidden). */
export async function processOnPort(port: number): Promise<string | undefined> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue; // 0A = LISTEN
      if (Number.parseInt(local.split(':').at(-1)!, 16) === port) inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
        return `process ${pid}${cmd ? ` (${cmd.slice(0, 120)})` : ''}`;
      }
    }
  }
  return undefined;
}

export interface HostPort {
  bind: string;
  port: number;
  /** The service of this project allowed to hold it already (its own container). */
  service: string;
  /** For messages: "gateway port 8080" or "port 6379 (exposed by cache)". */
  what: string;
  /** Where to change it in portico.yaml. */
  setting: string;
}

/** Throws exit 3 when a host port is taken by anything but this project's own container for it. */
export async function assertPortsFree(docker: DockerClient, project: string, ports: HostPort[]): Promise<void> {
  if (ports.length === 0) return;
  const containers = await docker.listContainers();
  for (const want of ports) {
    const holder = containers.find((c) => c.state === 'running' && c.ports.some((p) => p.hostPort === want.port));
    if (holder) {
      if (holder.labels[LABEL.project] === project && holder.labels[LABEL.service] === want.service) continue;
      throw portTaken(want, `container ${holder.name}${holder.labels[LABEL.project] ? ` (Portico project ${holder.labels[LABEL.project]})` : ''}`);
    }
    if (await canBind(want.bind, want.port)) continue;
    throw portTaken(want, (await processOnPort(want.port)) ?? 'another process');
  }
}

/** The gateway's port alone (doctor). */
export function assertPortFree(docker: DockerClient, project: string, bind: string, port: number): Promise<void> {
  return assertPortsFree(docker, project, [{ bind, port, service: 'gateway', what: `gateway port ${port}`, setting: 'gateway.port' }]);
}

function portTaken(want: HostPort, who: string) {
  return environmentError(
    `${want.what} is already in use by ${who}.`,
    `Stop it, or set ${want.setting} in portico.yaml to a free port. Nothing was created.`,
    { port: want.port, holder: who },
  );
}
