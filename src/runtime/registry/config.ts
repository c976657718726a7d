// The registry's inputs inside its container: discovery.json from the config dir, the token
// and port from the environment, the stack network from its own interfaces; discovery.json is
// watched so a changed stack (more replicas, a new health block) applies without a restart.
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONTAINER_CONFIG_DIR, DISCOVERY_CONFIG_FILE, REGISTRY_CONTAINER_PORT, SERVICE_ENV, discoveryConfigSchema, type DiscoveryConfig } from '../contract/index.js';
import { networksFromInterfaces } from './validate.js';

export interface RegistryEnvConfig {
  discovery: DiscoveryConfig;
  discoveryPath: string;
  token: string;
  port: number;
  networks: string[];
}

export class ConfigError extends Error {}

export async function loadRegistryConfig(env: NodeJS.ProcessEnv): Promise<RegistryEnvConfig> {
  const dir = env.PORTICO_CONFIG_DIR || CONTAINER_CONFIG_DIR;
  const discoveryPath = path.join(dir, DISCOVERY_CONFIG_FILE);
  const discovery = await loadDiscovery(discoveryPath);
  const token = env[SERVICE_ENV.registryToken] ?? '';
  if (token === '') throw new ConfigError(`${SERVICE_ENV.registryToken} is not set: the registry refuses to run without a write token`);
  const portText = env.PORT || String(REGISTRY_CONTAINER_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${portText}"`);
  return { discovery, discoveryPath, token, port, networks: networksFromInterfaces(os.networkInterfaces()) };
}

/** Reads and validates discovery.json; every problem is a ConfigError naming the file. */
export async function loadDiscovery(discoveryPath: string): Promise<DiscoveryConfig> {
  let text: string;
  try {
    text = await readFile(discoveryPath, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${discoveryPath}: ${(error as Error).message} (run \`portico generate\`, or set PORTICO_CONFIG_DIR)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${discoveryPath} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = discoveryConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${discoveryPath}: ${issue.path.join('.') || 'root'}: ${issue.message} (regenerate it with \`portico generate\`)`);
  }
  return parsed.data;
}

/**
 * Calls `onChange` with the new config whenever discovery.json changes. Polls (fs.watchFile):
 * a file mounted from the host and editors that replace files atomically both defeat
 * fs.watch in containers. An unreadable or invalid file is reported and otherwise ignored:
 * the registry keeps what it has. Returns a function that stops watching.
 */
export function watchDiscovery(discoveryPath: string, onChange: (discovery: DiscoveryConfig) => void, onError: (error: Error) => void, intervalMs = 1000): () => void {
  const listener = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
    loadDiscovery(discoveryPath).then(onChange, onError);
  };
  watchFile(discoveryPath, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(discoveryPath, listener);
}
