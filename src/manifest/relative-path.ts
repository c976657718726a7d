// Paths in portico.yaml point into the workspace (the folder of portico.yaml): sources, build
// contexts, Dockerfiles, env files. They are written relative and with "/" so the workspace
// can be moved and shared through git, and they must not climb out of it. Pure: the text only.

export interface RelativePathRules {
  /** What the path names, for the message ("service sources", "env files"). */
  what: string;
  /** A good value to show in the message. */
  example: string;
  /** What the path is relative to (default portico.yaml). */
  base?: string;
  /** The base folder itself ("." ) is a valid value (a build context may be the whole workspace). */
  allowRoot?: boolean;
}

export function relativePathProblem(p: string, rules: RelativePathRules): string | undefined {
  const base = rules.base ?? 'portico.yaml';
  if (p.includes('\\')) return `path "${p}" uses "\\"; write it with "/" (e.g. ${p.replace(/\\/g, '/')}), which works on every OS.`;
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return `path "${p}" is absolute; write it relative to ${base} (e.g. ${rules.example}) so the workspace can be moved and shared.`;
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 && !rules.allowRoot) return `path is the workspace folder itself; point it at the service's own folder, e.g. ${rules.example}.`;
  let depth = 0;
  for (const part of parts) {
    depth += part === '..' ? -1 : 1;
    if (depth < 0) return `path "${p}" leads outside the workspace; keep ${rules.what} under the folder of ${base}.`;
  }
  return undefined;
}
