// A recording file tree: commands write into it, then either print the plan (--dry-run) or
// flush it to disk. Conflicts (a file to be created that already exists with other content)
// are found before anything is written, so a refused command leaves the disk untouched.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';
import { fileError } from '../core/fs-error.js';

export type ChangeKind = 'create' | 'overwrite';

export interface Change {
  /** Path relative to the tree root, `/` separators. */
  path: string;
  kind: ChangeKind;
  content: string | Buffer;
}

/** What flushing a change does to the disk. */
export type Effect = 'create' | 'overwrite' | 'unchanged' | 'conflict';

export interface PlannedChange extends Change {
  effect: Effect;
}

export class FileTree {
  private readonly changes = new Map<string, Change>();

  constructor(readonly root: string) {}

  /** A new file: a conflict if a different file already exists there (unless forced). */
  create(relPath: string, content: string | Buffer): void {
    this.record(relPath, 'create', content);
  }

  /** A file the command means to replace, e.g. portico.yaml after adding a service. */
  overwrite(relPath: string, content: string | Buffer): void {
    this.record(relPath, 'overwrite', content);
  }

  /** Recorded content, if any. */
  read(relPath: string): string | Buffer | undefined {
    return this.changes.get(normalize(relPath))?.content;
  }

  list(): Change[] {
    return [...this.changes.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Compares every change with the disk. */
  async plan(): Promise<PlannedChange[]> {
    return Promise.all(this.list().map(async (change) => ({ ...change, effect: await this.effectOf(change) })));
  }

  /**
   * Writes every change. Conflicts stop the flush before any write (exit 2, naming the files)
   * unless `force`. Returns the paths written (unchanged files are skipped).
   * New files are written before files being updated (portico.yaml after `create`): if a
   * write fails half-way, the manifest is still as it was and running the command again
   * works (files already written have the same content and are skipped).
   */
  async flush(options: { force?: boolean } = {}): Promise<string[]> {
    const planned = await this.plan();
    const conflicts = planned.filter((c) => c.effect === 'conflict');
    if (conflicts.length > 0 && !options.force) throw conflictError(this.root, conflicts.map((c) => c.path));
    const order = (c: Change) => (c.kind === 'overwrite' ? 1 : 0);
    const written: string[] = [];
    for (const change of [...planned].sort((a, b) => order(a) - order(b))) {
      if (change.effect === 'unchanged') continue;
      const target = this.abs(change.path);
      try {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, change.content);
      } catch (error) {
        const done = written.length === 0 ? 'Nothing was written.' : `${written.length} other file${written.length === 1 ? ' was' : 's were'} written before it.`;
        throw fileError(error, 'write', target, `${done} Fix that, then run the command again: files already written are skipped.`);
      }
      written.push(change.path);
    }
    return written;
  }

  private abs(relPath: string): string {
    return path.join(this.root, ...relPath.split('/'));
  }

  private record(relPath: string, kind: ChangeKind, content: string | Buffer): void {
    const p = normalize(relPath);
    this.changes.set(p, { path: p, kind, content });
  }

  private async effectOf(change: Change): Promise<Effect> {
    const target = this.abs(change.path);
    const info = await stat(target).catch(() => undefined);
    if (!info) return 'create';
    if (!info.isFile()) return 'conflict';
    const current = await readFile(target);
    if (current.equals(Buffer.from(change.content))) return 'unchanged';
    return change.kind === 'overwrite' ? 'overwrite' : 'conflict';
  }
}

/** Paths stay inside the tree: no absolute paths, no `..` segments. */
function normalize(relPath: string): string {
  const p = path.posix.normalize(relPath.replace(/\\/g, '/'));
  if (p.startsWith('/') || p === '..' || p.startsWith('../') || p === '.') {
    throw new Error(`file tree path must be relative and inside the tree: ${relPath}`);
  }
  return p;
}

export function conflictError(root: string, paths: string[]) {
  const shown = paths.slice(0, 10).map((p) => path.join(root, p));
  const more = paths.length > shown.length ? ` and ${paths.length - shown.length} more` : '';
  return usageError(
    `${paths.length} file${paths.length === 1 ? '' : 's'} already exist${paths.length === 1 ? 's' : ''} with other content: ${shown.join(', ')}${more}. Nothing was written.`,
    paths.length === 1 ? 'Move or delete it, or run again with --force to overwrite it.' : 'Move or delete them, or run again with --force to overwrite them.',
    { conflicts: paths },
  );
}

/** The plan as text, one line per file: what --dry-run prints. */
export function formatPlan(root: string, planned: PlannedChange[], cwd: string): string {
  const label: Record<Effect, string> = { create: 'create', overwrite: 'update', unchanged: 'same  ', conflict: 'EXISTS' };
  return planned
    .map((c) => `  ${label[c.effect]}  ${path.relative(cwd, path.join(root, c.path)) || c.path}${sizeOf(c.content)}`)
    .join('\n');
}

function sizeOf(content: string | Buffer): string {
  return ` (${Buffer.byteLength(content)} bytes)`;
}
