// A warm standby's host folder (spec.ts standbyBinds): made empty with the standby, filled by
// the reload that takes it. The files are copied, not linked: esbuild rewrites dist/ in place
// on the next save, and the container keeps serving from this folder until it is replaced.
import { chmod, copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STANDBY_MARKER, type StandbyMarker } from './spec.js';

/** The pool's folder (.portico/standby), ignored by git whatever the workspace's .gitignore says. */
export async function makeStandbyRoot(root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, '.gitignore'), '# portico dev: bundles of warm standby containers\n*\n');
}

/**
 * The folder with its two mount sources. Readable by any user whatever the umask: the service
 * may run as another uid than this process (the template runs as 1000); nothing secret goes
 * here, only the bundle the workspace's own dist/ holds.
 */
export async function makeStandbyFolder(folder: string): Promise<void> {
  for (const dir of [folder, path.join(folder, 'dist'), path.join(folder, 'marker')]) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
  }
}

/**
 * The reload's bundle into the folder's dist/ (modes kept, as the archive API keeps them), then
 * the marker, renamed into place last: the boot script never sees it before the whole bundle.
 */
export async function fillStandbyFolder(folder: string, files: { name: string; file: string }[], marker: StandbyMarker): Promise<void> {
  const dist = path.join(folder, 'dist');
  const dirs = new Set<string>();
  for (const f of files) for (let d = path.dirname(path.join(dist, f.name)); d.startsWith(dist + path.sep); d = path.dirname(d)) dirs.add(d);
  for (const dir of [...dirs].sort()) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
  }
  await Promise.all(files.map((f) => copyFile(f.file, path.join(dist, f.name))));
  const name = path.posix.basename(STANDBY_MARKER);
  const next = path.join(folder, 'marker', `.${name}.tmp`);
  await writeFile(next, JSON.stringify(marker));
  await chmod(next, 0o644);
  await rename(next, path.join(folder, 'marker', name));
}

/**
 * Removes the folders under `root` (named by instance id) but those in `keep`: the containers
 * still running from them, and standbys being made. Returns the ones removed.
 */
export async function pruneStandbyFolders(root: string, keep: ReadonlySet<string>): Promise<string[]> {
  // Folders only; not the .gitignore.
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && !keep.has(n));
  await Promise.all(names.map((n) => rm(path.join(root, n), { recursive: true, force: true })));
  return names;
}
