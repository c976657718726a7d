// Has the Swarm converged on what `deploy` asked for? Pure classification of one poll
// (services + tasks), and the polling loop around it with an injectable clock.
import type { SwarmClient, SwarmServiceInfo, SwarmTaskInfo } from './client.js';
import { realClock, type WaitClock } from '../health.js';
import { LABEL, projectFilter } from '../../compile/labels.js';

/** Task states after which a task never runs again. */
const FAILED_STATES = new Set(['failed', 'rejected']);
const UPDATE_FAILED = new Set(['paused', 'rollback_started', 'rollback_paused', 'rollback_completed']);

export type ServiceProgress =
  | { state: 'ready'; running: number; desired: number }
  | { state: 'waiting'; running: number; desired: number; detail: string }
  | { state: 'failed'; reason: string };

/**
 * One service: ready when no update is in flight and exactly `replicas` tasks run (a task
 * with a health check only reports running once healthy); failed when an update was rolled
 * back or paused, or a task of this deploy failed or was rejected (its error is the reason).
 * @param since ISO time the deploy started: older failed tasks are history, not this deploy.
 */
export function serviceProgress(service: SwarmServiceInfo, tasks: SwarmTaskInfo[], since: string): ServiceProgress {
  const own = tasks.filter((t) => t.serviceId === service.id);
  const failed = own
    .filter((t) => FAILED_STATES.has(t.state) && t.timestamp >= since)
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
  if (service.updateState && UPDATE_FAILED.has(service.updateState)) {
    const why = service.updateMessage ?? service.updateState;
    return { state: 'failed', reason: `update ${service.updateState.replace('_', ' ')}: ${why}${failed?.error ? ` (task error: ${failed.error})` : ''}` };
  }
  if (failed) return { state: 'failed', reason: `task ${failed.slot ?? failed.id} ${failed.state}: ${failed.error ?? failed.message}` };
  // Right after an update call Swarm may still report the previous update's state and the old
  // tasks running: only tasks of the current spec (its config hash) count as converged.
  const current = service.labels[LABEL.configHash];
  const isCurrent = (t: SwarmTaskInfo) => current === undefined || t.configHash === current;
  const wanted = own.filter((t) => t.desiredState === 'running');
  const running = wanted.filter((t) => t.state === 'running' && isCurrent(t)).length;
  const outdated = wanted.filter((t) => !isCurrent(t)).length;
  // A global service wants one task per eligible node: as many as Swarm scheduled, at least one.
  const desired = service.global ? Math.max(1, wanted.length) : service.replicas;
  const updating = service.updateState === 'updating' || outdated > 0;
  // Old tasks told to shut down still count as live until they have stopped.
  const stopping = own.filter((t) => t.desiredState !== 'running' && ['running', 'starting'].includes(t.state)).length;
  if (!updating && running === desired && wanted.length === desired && stopping === 0) return { state: 'ready', running, desired };
  const detail = updating ? 'rolling update' : stopping > 0 ? `${stopping} old task(s) stopping` : `${running}/${desired} running`;
  return { state: 'waiting', running, desired, detail };
}

export interface ConvergeFailure {
  service: string;
  reason: string;
}

/** Polls until every named service is ready; resolves with the first failure or a timeout. */
export async function waitConverged(
  client: SwarmClient,
  project: string,
  names: string[],
  options: { timeoutMs: number; since: string; signal?: AbortSignal; clock?: WaitClock; pollMs?: number; onProgress?: (line: string) => void },
): Promise<ConvergeFailure | undefined> {
  const clock = options.clock ?? realClock;
  const deadline = clock.now() + options.timeoutMs;
  let lastLine = '';
  for (;;) {
    const [services, tasks] = await Promise.all([client.listServices(projectFilter(project)), client.listTasks(projectFilter(project))]);
    const pending: string[] = [];
    for (const name of names) {
      const service = services.find((s) => s.name === name);
      if (!service) return { service: name, reason: 'service disappeared' };
      const progress = serviceProgress(service, tasks, options.since);
      if (progress.state === 'failed') return { service: name, reason: progress.reason };
      if (progress.state === 'waiting') pending.push(`${name} ${progress.detail}`);
    }
    if (pending.length === 0) return undefined;
    const line = `waiting: ${pending.join(', ')}`;
    if (line !== lastLine) options.onProgress?.(line);
    lastLine = line;
    if (clock.now() >= deadline) return { service: pending[0]!.split(' ')[0]!, reason: `not converged after ${Math.round(options.timeoutMs / 1000)} s (${pending.join(', ')})` };
    await clock.sleep(options.pollMs ?? 500, options.signal);
  }
}
