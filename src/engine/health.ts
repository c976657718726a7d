// Waiting for containers to be ready: `healthy` when the container has a health check,
// `running` otherwise. Polls inspect with an injectable clock; stops at the first container
// that exits or turns unhealthy, or at the deadline.
import type { ContainerDetails, DockerClient } from './docker/client.js';
import { demuxLines } from './logs/demux.js';

export interface WaitClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export type Readiness = 'ready' | 'waiting' | 'failed';

/** Classifies one inspect result. */
export function readiness(details: ContainerDetails | undefined): { state: Readiness; reason?: string } {
  if (!details) return { state: 'failed', reason: 'container disappeared' };
  const s = details.state;
  if (s.status === 'exited' || s.status === 'dead') return { state: 'failed', reason: `exited with code ${s.exitCode}` };
  if (s.health === 'unhealthy') {
    // A check that timed out (exit -1) is usually node starting slowly on a loaded machine and
    // clears by itself; keep waiting for it until the deadline. A check that ran and failed
    // (the endpoint answered an error or refused) is a real failure: stop now.
    const last = s.healthLog.at(-1);
    if (last && last.exitCode < 0) return { state: 'waiting' };
    return { state: 'failed', reason: 'health check failing' };
  }
  if (s.health === 'healthy') return { state: 'ready' };
  if (s.health === undefined && s.running) return { state: 'ready' };
  return { state: 'waiting' };
}

export interface WaitFailure {
  id: string;
  name: string;
  reason: string;
}

export interface WaitOptions {
  /** The timeout the caller promised; named in the failure reason. */
  timeoutMs: number;
  /** Absolute time (clock.now() scale) to give up at; default now + timeoutMs. Shared by the waits of one run. */
  deadline?: number;
  signal?: AbortSignal;
  clock?: WaitClock;
  pollMs?: number;
  onReady?: (name: string) => void;
}

/** Waits until every container is ready; resolves with the first failure, or undefined when all are ready. */
export async function waitReady(docker: DockerClient, ids: { id: string; name: string }[], options: WaitOptions): Promise<WaitFailure | undefined> {
  const clock = options.clock ?? realClock;
  const deadline = options.deadline ?? clock.now() + options.timeoutMs;
  const pending = new Map(ids.map((c) => [c.id, c.name]));
  for (;;) {
    const results = await Promise.all([...pending.keys()].map(async (id) => [id, readiness(await docker.inspectContainer(id))] as const));
    for (const [id, r] of results) {
      const name = pending.get(id)!;
      if (r.state === 'failed') return { id, name, reason: r.reason! };
      if (r.state === 'ready') {
        pending.delete(id);
        options.onReady?.(name);
      }
    }
    if (pending.size === 0) return undefined;
    if (clock.now() >= deadline) {
      const [id, name] = [...pending.entries()][0]!;
      return { id, name, reason: `not healthy after ${Math.round(options.timeoutMs / 1000)} s` };
    }
    await clock.sleep(options.pollMs ?? 150, options.signal);
  }
}

/** What to show for a container that failed: its last health-check output and its last log lines. */
export async function diagnose(docker: DockerClient, id: string, logLines = 30): Promise<{ healthOutput?: string; logs: string[] }> {
  const details = await docker.inspectContainer(id);
  const last = details?.state.healthLog.at(-1);
  let logs: string[] = [];
  try {
    logs = (await demuxLines(await docker.containerLogs(id, { tail: logLines }))).slice(-logLines);
  } catch {
    // A container removed meanwhile has no logs; the health output still helps.
  }
  return { healthOutput: last ? `exit ${last.exitCode}: ${last.output.trim()}` : undefined, logs };
}
