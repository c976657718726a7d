// `portico exec`: which container a command runs in. Pure choice over the project's
// containers: the replica asked for, else the lowest-numbered running one. A service that
// does not exist is a usage error (exit 2); one that exists but is not running is an
// environment that is not ready (exit 3), with how to start it.
import { environmentError, usageError, type PorticoError } from '../core/errors.js';
import type { ContainerSummary } from './docker/client.js';
import { LABEL } from '../compile/labels.js';

export interface ExecTarget {
  id: string;
  name: string;
}

export interface ExecChoice {
  project: string;
  service: string;
  replica?: number;
  /** Replicas per service as the manifest declares them (when it is readable). */
  declared: Record<string, number>;
}

export function chooseExecTarget(containers: ContainerSummary[], choice: ExecChoice): ExecTarget | PorticoError {
  const { project, service, replica } = choice;
  const ofService = containers
    .filter((c) => c.labels[LABEL.service] === service)
    .sort((a, b) => Number(a.labels[LABEL.replica]) - Number(b.labels[LABEL.replica]));
  const declared = choice.declared[service];
  const start = `Start it with \`portico up ${service}\`, then run the command again.`;
  if (ofService.length === 0) {
    if (declared !== undefined) return environmentError(`service ${service} of project ${project} is not running.`, start);
    const known = [...new Set([...Object.keys(choice.declared), ...containers.map((c) => c.labels[LABEL.service] ?? '')])].filter(Boolean).sort();
    return usageError(`no service "${service}" in project ${project}.`, `Services: ${known.join(', ') || '(none; run `portico up`)'}.`);
  }
  if (replica !== undefined) {
    const found = ofService.find((c) => Number(c.labels[LABEL.replica]) === replica);
    if (!found) {
      if (declared !== undefined && replica <= declared) return environmentError(`replica ${replica} of ${service} is not running.`, start);
      const count = declared ?? ofService.length;
      return usageError(`service ${service} has no replica ${replica}.`, `Use --replica 1${count > 1 ? ` to ${count}` : ''}, or leave it out for the first running replica.`);
    }
    return found.state === 'running' ? { id: found.id, name: found.name } : environmentError(`${found.name} is ${found.state}, not running.`, start);
  }
  const running = ofService.find((c) => c.state === 'running');
  if (!running) return environmentError(`no replica of ${service} is running (${ofService.map((c) => `${c.name}: ${c.state}`).join(', ')}).`, start);
  return { id: running.id, name: running.name };
}
