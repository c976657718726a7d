// Bind mounts of a service (`mounts:`), pure: the short form `./src:/app/src:ro` and the long
// form `{ source, target, readOnly, allowOutside }` read into one shape, with the checks that
// need no file system (the target is absolute, the source stays inside the workspace).
// Resolving symlinks (workspace-files-on-disk.ts) and absolute host paths (engine/) happen at the edges.
import path from 'node:path';
import type { MountSpec } from './schema.js';

export interface Mount {
  /** As written (relative to portico.yaml), or absolute once the engine resolved it. */
  source: string;
  target: string;
  readOnly: boolean;
  allowOutside: boolean;
}

/** Reads a mount in either form; a string is the problem with it. */
export function parseMount(spec: MountSpec): Mount | string {
  if (typeof spec !== 'string') {
    const mount = { source: spec.source, target: spec.target, readOnly: spec.readOnly ?? false, allowOutside: spec.allowOutside ?? false };
    return checkTarget(mount) ?? mount;
  }
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    return `mount "${spec}" must be ./host/path:/container/path, optionally followed by :ro or :rw.`;
  }
  const [source, target, mode = 'rw'] = parts as [string, string, string?];
  if (mode !== 'ro' && mode !== 'rw') return `mount "${spec}" ends with "${mode}"; use :ro (read-only) or :rw.`;
  // A bare name is a named volume in Compose: say where those go instead of guessing.
  if (!source.startsWith('.') && !source.startsWith('/')) {
    return `mount "${spec}": the host path must start with ./ (relative to portico.yaml); named volumes go in "volumes" (name:/path).`;
  }
  const mount = { source, target, readOnly: mode === 'ro', allowOutside: false };
  return checkTarget(mount) ?? mount;
}

function checkTarget(m: Mount): string | undefined {
  if (!m.target.startsWith('/')) return `mount target "${m.target}" must be an absolute path in the container, e.g. /app/src.`;
  return undefined;
}

/**
 * Where a mount's source leads, judged on the text alone: inside the workspace, or outside
 * (absolute, or climbing above portico.yaml's folder with "..").
 */
export function sourceLeavesWorkspace(source: string): boolean {
  if (path.posix.isAbsolute(source) || /^[A-Za-z]:/.test(source)) return true;
  return path.posix.normalize(source.replace(/\\/g, '/')).split('/')[0] === '..';
}

/** The problem with a mount whose source leaves the workspace without allowOutside. */
export function outsideProblem(m: Mount, written: MountSpec): string | undefined {
  if (m.allowOutside || !sourceLeavesWorkspace(m.source)) return undefined;
  const example = `{ source: ${m.source}, target: ${m.target}${m.readOnly ? ', readOnly: true' : ''}, allowOutside: true }`;
  return `mount source "${m.source}" is outside the workspace; keep it under the folder of portico.yaml, or write ${typeof written === 'string' ? `the long form ${example}` : 'allowOutside: true'} if you mean it.`;
}

/** The Docker bind of a resolved mount (source absolute). */
export function bindOf(m: Mount): { source: string; target: string; readOnly: boolean } {
  if (!path.isAbsolute(m.source)) throw new Error(`mount source "${m.source}" was not resolved to an absolute path before planning`);
  return { source: m.source, target: m.target, readOnly: m.readOnly };
}
