// What `portico logs` and `portico deploy logs` share: the --tail option and picking the
// services the user named out of what runs (containers locally, Swarm services when deployed).
import { usageError } from '../core/errors.js';
import { LABEL } from '../compile/labels.js';

/** `--tail n`: a whole number of lines (default 100). Exit 2 otherwise. */
export function parseTail(option: string | undefined): number {
  const tail = Number(option ?? '100');
  if (!Number.isInteger(tail) || tail < 0) throw usageError(`--tail must be a whole number, got "${option}".`);
  return tail;
}

/**
 * The labelled resources of the named services (all when none is named), by name. A named
 * service with nothing running is a usage error listing what does run.
 */
export function pickServices<T extends { name: string; labels: Record<string, string> }>(
  all: T[],
  wanted: string[],
  words: { what: string; project: string; present: string; start: string },
): T[] {
  const present = new Set(all.map((r) => r.labels[LABEL.service]));
  const unknown = wanted.filter((s) => !present.has(s));
  if (unknown.length > 0) {
    throw usageError(`no ${words.what} for ${unknown.join(', ')} in project ${words.project}.`, `${words.present}: ${[...present].join(', ') || `(none; run \`${words.start}\`)`}.`);
  }
  return all.filter((r) => wanted.length === 0 || wanted.includes(r.labels[LABEL.service] ?? '')).sort((a, b) => a.name.localeCompare(b.name));
}
