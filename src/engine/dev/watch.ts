// Watching source folders for `portico dev` (chokidar 4: native fs.watch underneath, recursive
// on Linux, macOS and Windows). Bursts (a save that writes several files, a git checkout) are
// debounced into one callback carrying every key that changed during the burst.
import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';

export interface WatchTarget {
  /** What a change here reloads: a service name, or the manifest. */
  key: string;
  /** A folder (watched recursively) or a single file. */
  path: string;
  /** Paths relative to `path` ('/'-separated) that are not sources. */
  ignore?: (relative: string) => boolean;
}

/** Folders that are never sources: dependencies, build output, version control. */
const NEVER_WATCHED = new Set(['node_modules', 'dist', '.git', '.portico']);

/**
 * Quiet time that ends a burst. A save is one or a few events within a millisecond or two (an
 * editor's write, or its rename of a temporary file); a longer burst (a checkout) that
 * outlasts it only means one more reload, merged with whatever arrives meanwhile.
 */
export const DEBOUNCE_MS = 40;

export interface SourceWatcher {
  close(): Promise<void>;
}

/** Calls `onBurst` with the keys changed during each burst of file events (after `debounceMs` of quiet). */
export async function watchSources(targets: WatchTarget[], onBurst: (keys: Set<string>) => void, debounceMs = DEBOUNCE_MS): Promise<SourceWatcher> {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const target of targets) {
    const ignored = (file: string) => {
      const rel = path.relative(target.path, file).split(path.sep).join('/');
      if (rel === '' || rel.startsWith('..')) return false;
      if (rel.split('/').some((part) => NEVER_WATCHED.has(part))) return true;
      return target.ignore?.(rel) ?? false;
    };
    const watcher = watch(target.path, { ignored, ignoreInitial: true, persistent: true });
    watcher.on('all', () => {
      pending.add(target.key);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const keys = pending;
        pending = new Set();
        onBurst(keys);
      }, debounceMs);
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    watchers.push(watcher);
  }
  return {
    async close() {
      clearTimeout(timer);
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}
