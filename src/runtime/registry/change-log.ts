// The catalog's change log: a monotonic index, a bounded history for Last-Event-ID resume, and
// the listeners (watch streams, logs) told about each change.
import type { WatchChange } from '../contract/index.js';

export type ChangeListener = (change: WatchChange) => void;

export class ChangeLog {
  private readonly history: WatchChange[] = [];
  private readonly listeners = new Set<ChangeListener>();

  /**
   * @param current the index before the first change. The catalog starts it at the boot time
   *   in ms so indexes keep increasing across registry restarts, and a resuming watcher never
   *   mistakes a new registry's index for one it has seen.
   * @param size how many changes are kept for resume.
   */
  constructor(
    private current: number,
    private readonly size: number,
  ) {}

  get index(): number {
    return this.current;
  }

  record(service: string, instances: WatchChange['instances']): void {
    this.current += 1;
    const change: WatchChange = { index: this.current, service, instances };
    this.history.push(change);
    if (this.history.length > this.size) this.history.shift();
    for (const listener of this.listeners) listener(change);
  }

  /**
   * Changes after `lastIndex`, oldest first; null when they are no longer all in the history
   * (or the index is not ours): the watcher needs a fresh snapshot.
   */
  since(lastIndex: number): WatchChange[] | null {
    if (!Number.isSafeInteger(lastIndex) || lastIndex > this.current) return null;
    if (lastIndex === this.current) return [];
    const oldest = this.history[0];
    if (!oldest || lastIndex < oldest.index - 1) return null;
    return this.history.filter((c) => c.index > lastIndex);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
