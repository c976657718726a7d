// The build context of a Dockerfile service: the files of the context folder that
// .dockerignore does not exclude, exactly as `docker build` sends them (Docker's own matching
// rules through @balena/dockerignore: `*` stays in one folder, `**` crosses folders, `!`
// re-includes, a leading `/` anchors). The Dockerfile and .dockerignore are always sent, as the
// docker CLI does. Portico's own `.portico/` folder never is: it holds state and the registry
// token, and changes on every run.
import dockerignore from '@balena/dockerignore';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { TarEntry } from './tar.js';

export interface BuildContextFiles {
  /** Regular files, relative and '/'-separated, sorted. */
  files: string[];
  /** Symbolic links (sent as links, like Docker does), sorted by name. */
  symlinks: { name: string; target: string }[];
}

type Matcher = ReturnType<typeof dockerignore.default>;
const NEVER_SENT = new Set(['.portico']);

/** The matcher of a .dockerignore text. */
export function dockerignoreMatcher(text: string): { matcher: Matcher; hasExceptions: boolean } {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return { matcher: dockerignore.default().add(lines), hasExceptions: lines.some((l) => l.startsWith('!')) };
}

/** What `docker build` would send from `dir` with `dockerfile` (relative to dir). */
export async function listBuildContext(dir: string, dockerfile: string): Promise<BuildContextFiles> {
  let ignoreText = '';
  try {
    ignoreText = await readFile(path.join(dir, '.dockerignore'), 'utf8');
  } catch {
    // no .dockerignore: everything is sent
  }
  const { matcher, hasExceptions } = dockerignoreMatcher(ignoreText);
  const always = new Set([path.posix.normalize(dockerfile), '.dockerignore']);
  const files: string[] = [];
  const symlinks: BuildContextFiles['symlinks'] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && NEVER_SENT.has(entry.name)) continue;
      const ignored = matcher.ignores(child) && !always.has(child);
      if (entry.isDirectory()) {
        // An excluded folder is skipped whole unless a `!` pattern may bring something back.
        if (!ignored || hasExceptions) await walk(child);
      } else if (!ignored) {
        if (entry.isFile()) files.push(child);
        else if (entry.isSymbolicLink()) symlinks.push({ name: child, target: await readlink(path.join(dir, child)) });
      }
    }
  };
  await walk('');
  return { files: files.sort(), symlinks: symlinks.sort((a, b) => a.name.localeCompare(b.name)) };
}

/** The tar entries of a listed context. */
export function contextTarEntries(dir: string, context: BuildContextFiles): TarEntry[] {
  return [
    ...context.files.map((f) => ({ name: f, file: path.join(dir, f) })),
    ...context.symlinks.map((s) => ({ name: s.name, symlink: s.target })),
  ];
}
