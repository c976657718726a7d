// The `<NAME>_FILE` convention for secrets: when `<NAME>` is not set but `<NAME>_FILE` is, the
// value is read from that file. `portico deploy --target swarm` mounts the API keys and the
// JWT secret as Docker secrets under /run/secrets and sets `<NAME>_FILE`, so the values never
// appear in the service spec; locally (`up`) the plain env vars are used as before.
// Only the secrets the config names are looked up: other `*_FILE` variables of the environment
// (SSL_CERT_FILE, TF_CLI_CONFIG_FILE, ...) belong to other programs and are left alone.
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../contract/index.js';

const SUFFIX = '_FILE';

/** The env var names of the secrets a gateway config reads (API keys, JWT secret, admin and registry tokens, AI provider keys). */
export function secretEnvNames(config: GatewayConfig): string[] {
  const names = config.auth.apiKeys.map((k) => k.env);
  if (config.auth.jwt?.secretEnv) names.push(config.auth.jwt.secretEnv);
  if (config.admin !== undefined) names.push(config.admin.tokenEnv);
  if (config.registry !== null) names.push(config.registry.tokenEnv);
  for (const provider of Object.values(config.ai?.providers ?? {})) if (provider.keyEnv !== null) names.push(provider.keyEnv);
  return [...new Set(names)];
}

/** A copy of `env` with each of `names` that is unset filled from its `<NAME>_FILE` (one trailing newline dropped). */
export function withFileEnv(env: NodeJS.ProcessEnv, names: readonly string[], read: (file: string) => string = (f) => readFileSync(f, 'utf8')): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of names) {
    const key = name + SUFFIX;
    const file = env[key];
    if (!file || out[name] !== undefined) continue;
    try {
      out[name] = read(file).replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return out;
}
