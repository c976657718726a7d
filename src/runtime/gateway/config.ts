// Reading and validating gateway.json and discovery.json, and noticing when they change.
// Validation uses the contract's zod schemas; a bad file gives an error naming the file and the
// first problems, and (on reload) the gateway keeps running on the previous config.
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import {
  CONTAINER_CONFIG_DIR,
  DISCOVERY_CONFIG_FILE,
  GATEWAY_CONFIG_FILE,
  discoveryConfigSchema,
  gatewayConfigSchema,
  type DiscoveryConfig,
  type GatewayConfig,
} from '../contract/index.js';

export class ConfigError extends Error {}

export const CONFIG_DIR_ENV = 'PORTICO_CONFIG_DIR';

export function configDir(env: NodeJS.ProcessEnv): string {
  return env[CONFIG_DIR_ENV] || CONTAINER_CONFIG_DIR;
}

function parseWith<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, text: string, source: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`${source}: invalid (${problems.join('; ')}). Regenerate it with \`portico generate\`.`);
  }
  return result.data;
}

export function parseGatewayConfig(text: string, source = GATEWAY_CONFIG_FILE): GatewayConfig {
  const config = parseWith<GatewayConfig>(gatewayConfigSchema, text, source);
  const ids = new Set<string>();
  for (const r of config.routes) {
    if (ids.has(r.id)) throw new ConfigError(`${source}: route id "${r.id}" appears twice`);
    ids.add(r.id);
    if (!r.path.startsWith('/')) throw new ConfigError(`${source}: route ${r.id} path "${r.path}" must start with "/"`);
    if (r.path.startsWith('/_portico')) throw new ConfigError(`${source}: route ${r.id} path "${r.path}" is reserved for the gateway`);
  }
  return config;
}

export function parseDiscoveryConfig(text: string, source = DISCOVERY_CONFIG_FILE): DiscoveryConfig {
  return parseWith<DiscoveryConfig>(discoveryConfigSchema, text, source);
}

export interface ConfigFiles {
  config: GatewayConfig;
  discovery: DiscoveryConfig;
  /** The raw texts, to tell a real change from a touch. */
  fingerprint: string;
}

export async function loadConfigFiles(dir: string): Promise<ConfigFiles> {
  const gatewayPath = path.join(dir, GATEWAY_CONFIG_FILE);
  const discoveryPath = path.join(dir, DISCOVERY_CONFIG_FILE);
  const [gatewayText, discoveryText] = await Promise.all([readText(gatewayPath), readText(discoveryPath)]);
  return {
    config: parseGatewayConfig(gatewayText, gatewayPath),
    discovery: parseDiscoveryConfig(discoveryText, discoveryPath),
    fingerprint: `${gatewayText}\u0000${discoveryText}`,
  };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `${file}: not found (set ${CONFIG_DIR_ENV} or mount the workspace's .portico/ at ${CONTAINER_CONFIG_DIR})` : `${file}: cannot be read (${code})`,
    );
  }
}

/**
 * Call `onChange` when either file changes. Polls with stat (not inotify): bind mounts from
 * the host and editors that replace files atomically both defeat fs.watch in containers.
 * Returns a function that stops watching.
 */
export function watchConfigFiles(dir: string, onChange: () => void, intervalMs = 500): () => void {
  const files = [path.join(dir, GATEWAY_CONFIG_FILE), path.join(dir, DISCOVERY_CONFIG_FILE)];
  let timer: NodeJS.Timeout | null = null;
  const listener = (): void => {
    // Debounce: writers often truncate then write; read once things settle.
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, 100);
  };
  for (const f of files) watchFile(f, { interval: intervalMs, persistent: false }, listener);
  return () => {
    if (timer !== null) clearTimeout(timer);
    for (const f of files) unwatchFile(f, listener);
  };
}
