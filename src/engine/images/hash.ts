// Content hashes of source folders: a service is rebuilt only when one of its files changed.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Folders that never count as sources (installed or generated). */
const IGNORED = new Set(['node_modules', 'dist', '.git', '.portico', 'coverage', '.turbo']);

/** Every file under `dir` (relative, '/'-separated, sorted), skipping IGNORED folders when `ignore` is set. */
export async function listFiles(dir: string, ignore = true): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!(ignore && IGNORED.has(entry.name))) await walk(child);
      } else if (entry.isFile()) out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

/** sha256 over (path, content) of the given files plus any extra strings. */
export async function hashFiles(dir: string, files: string[], extra: string[] = []): Promise<string> {
  const h = createHash('sha256');
  for (const x of extra) h.update(`extra\0${x}\0`);
  for (const file of files) {
    h.update(`${file}\0`);
    h.update(await readFile(path.join(dir, file)));
    h.update('\0');
  }
  return h.digest('hex');
}

export const shortHash = (hex: string) => hex.slice(0, 12);
