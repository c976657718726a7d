// The `<NAME>_FILE` convention for secrets: when `<NAME>` is not set but `<NAME>_FILE` is, the
// value is read from that file. `portico deploy --target swarm` mounts the API keys and the
// JWT secret as Docker secrets under /run/secrets and sets `<NAME>_FILE`, so the values never
// appear in the service spec; locally (`up`) the plain env vars are used as before.
import { readFileSync } from 'node:fs';

const SUFFIX = '_FILE';

/** A copy of `env` with every `<NAME>` filled from its `<NAME>_FILE` (one trailing newline dropped). */
export function withFileEnv(env: NodeJS.ProcessEnv, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [key, file] of Object.entries(env)) {
    if (!key.endsWith(SUFFIX) || key.length === SUFFIX.length || !file) continue;
    const name = key.slice(0, -SUFFIX.length);
    if (out[name] !== undefined) continue;
    try {
      out[name] = read(file).replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return out;
}
