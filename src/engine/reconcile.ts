// Desired containers (StackPlan) vs what Docker has (labelled containers of the project) ->
// the actions that make them match. Pure: the executor in up.ts applies them.
import type { ContainerPlan } from '../compile/plan.js';
import type { ContainerSummary } from './docker/client.js';
import { LABEL } from '../compile/labels.js';

export type Action =
  | { type: 'create'; desired: ContainerPlan }
  | { type: 'recreate'; desired: ContainerPlan; existing: ContainerSummary }
  | { type: 'start'; desired: ContainerPlan; existing: ContainerSummary }
  | { type: 'keep'; desired: ContainerPlan; existing: ContainerSummary }
  | { type: 'remove'; existing: ContainerSummary; reason: 'extra-replica' | 'duplicate' };

export interface Diff {
  /** One action per desired container, in plan order. */
  containers: Action[];
  /** Containers to remove first (replicas above the new count). */
  removals: Action[];
  /** Labelled containers of services no longer in the manifest (left alone by `up`). */
  orphans: ContainerSummary[];
}

/**
 * @param managedServices services whose surplus containers `up` may remove (the selected
 *   services plus registry and gateway); containers of other known services are untouched.
 * @param knownServices every service in the manifest plus registry and gateway.
 */
export function diffContainers(
  desired: ContainerPlan[],
  existing: ContainerSummary[],
  managedServices: Set<string>,
  knownServices: Set<string>,
): Diff {
  const byName = new Map<string, ContainerSummary>();
  const removals: Action[] = [];
  for (const c of existing) {
    if (byName.has(c.name)) removals.push({ type: 'remove', existing: c, reason: 'duplicate' });
    else byName.set(c.name, c);
  }
  const containers: Action[] = desired.map((d) => {
    const found = byName.get(d.name);
    if (!found) return { type: 'create', desired: d };
    byName.delete(d.name);
    if (found.labels[LABEL.configHash] !== d.configHash) return { type: 'recreate', desired: d, existing: found };
    if (found.state !== 'running') return { type: 'start', desired: d, existing: found };
    return { type: 'keep', desired: d, existing: found };
  });
  const orphans: ContainerSummary[] = [];
  for (const rest of byName.values()) {
    const service = rest.labels[LABEL.service] ?? '';
    if (managedServices.has(service)) removals.push({ type: 'remove', existing: rest, reason: 'extra-replica' });
    else if (!knownServices.has(service)) orphans.push(rest);
  }
  return { containers, removals, orphans };
}

/** Counts per action type, for summaries and --json. */
export function summarize(diff: Diff): Record<'created' | 'recreated' | 'started' | 'unchanged' | 'removed', number> {
  const count = (t: Action['type']) => diff.containers.filter((a) => a.type === t).length;
  return {
    created: count('create'),
    recreated: count('recreate'),
    started: count('start'),
    unchanged: count('keep'),
    removed: diff.removals.length,
  };
}
