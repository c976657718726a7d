// The workspace side of the engine: where state lives, the per-stack registry token, the
// values of secrets from the environment or .env, and finding the project name for `down`
// even when portico.yaml is gone or invalid.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'dotenv';
import { usageError } from '../core/errors.js';
import { findManifest, parseManifest, type LoadedManifest } from '../manifest/load.js';
import type { Manifest } from '../manifest/schema.js';
import { DISCOVERY_CONFIG_FILE, discoveryConfigSchema } from '../runtime/contract/index.js';
import { gatewaySecretEnvNames } from '../compile/plan.js';

export const PORTICO_DIR = '.portico';
export const configDirOf = (workspaceDir: string) => path.join(workspaceDir, PORTICO_DIR);
export const stateDirOf = (workspaceDir: string) => path.join(workspaceDir, PORTICO_DIR, 'state');
/** `portico dev`'s warm standbys' bundles (standby/files.ts), one folder per container. */
export const standbyDirOf = (workspaceDir: string) => path.join(workspaceDir, PORTICO_DIR, 'standby');

/** The registry token of this stack: generated once, kept in .portico/state/registry-token (0600). */
export const registryToken = (workspaceDir: string): Promise<string> => stackSecret(workspaceDir, 'registry-token');

/**
 * The admin token of this stack (the gateway's admin surfaces: /_portico/catalog, ...):
 * generated once, kept in .portico/state/admin-token (0600), never in the manifest.
 */
export const adminToken = (workspaceDir: string): Promise<string> => stackSecret(workspaceDir, 'admin-token');

/** The admin token if `up` created one (commands that talk to a running gateway must not invent one). */
export const existingAdminToken = (workspaceDir: string): Promise<string | null> => readStackSecret(path.join(stateDirOf(workspaceDir), 'admin-token'));

/** A random per-workspace secret, created on first need and kept in .portico/state/<name> (0600). */
async function stackSecret(workspaceDir: string, name: string): Promise<string> {
  const file = path.join(stateDirOf(workspaceDir), name);
  const existing = await readStackSecret(file);
  if (existing !== null) return existing;
  const token = randomBytes(24).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, token + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return token;
}

async function readStackSecret(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim() || null;
  } catch {
    return null; // first run
  }
}

/** Parses a .env file with the dotenv package, the same parser as services' `envFile`. */
export function parseDotEnv(text: string): Record<string, string> {
  return parse(text);
}

/** Values of the env vars the gateway's auth names: host env first, then the workspace's .env. */
export async function gatewaySecrets(manifest: Manifest, workspaceDir: string, env: NodeJS.ProcessEnv): Promise<{ values: Record<string, string>; missing: string[] }> {
  let dotenv: Record<string, string> = {};
  try {
    dotenv = parseDotEnv(await readFile(path.join(workspaceDir, '.env'), 'utf8'));
  } catch {
    // no .env
  }
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of gatewaySecretEnvNames(manifest)) {
    const value = env[name] ?? dotenv[name];
    if (value === undefined) missing.push(name);
    else values[name] = value;
  }
  return { values, missing };
}

export interface ProjectRef {
  project: string;
  workspaceDir: string;
  /** The manifest when it is readable and valid (else undefined). */
  loaded?: LoadedManifest;
}

/**
 * The project of the workspace at `cwd`, for commands that must work without a valid
 * manifest (`down`, `status`, `logs`): the manifest's name when it parses, else the
 * project recorded in .portico/discovery.json.
 */
export async function findProject(cwd: string): Promise<ProjectRef> {
  const file = await findManifest(cwd);
  if (file) {
    const dir = path.dirname(file);
    try {
      const loaded = parseManifest(await readFile(file, 'utf8'), file);
      return { project: loaded.manifest.name, workspaceDir: dir, loaded };
    } catch {
      const fromDiscovery = await projectFromDiscovery(dir);
      if (fromDiscovery) return { project: fromDiscovery, workspaceDir: dir };
      const name = /^name:\s*["']?([a-z][a-z0-9-]*)["']?\s*$/m.exec(await readFile(file, 'utf8'))?.[1];
      if (name) return { project: name, workspaceDir: dir };
    }
  }
  let dir = path.resolve(cwd);
  for (;;) {
    const fromDiscovery = await projectFromDiscovery(dir);
    if (fromDiscovery) return { project: fromDiscovery, workspaceDir: dir };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw usageError(
    `cannot tell which project to act on: no readable portico.yaml or .portico/discovery.json in ${cwd} or its parents.`,
    'Run the command in the workspace (or pass -C <dir>). `docker ps --filter label=dev.portico.project` lists Portico stacks.',
  );
}

async function projectFromDiscovery(dir: string): Promise<string | undefined> {
  try {
    const parsed = discoveryConfigSchema.safeParse(JSON.parse(await readFile(path.join(dir, PORTICO_DIR, DISCOVERY_CONFIG_FILE), 'utf8')));
    return parsed.success ? parsed.data.project : undefined;
  } catch {
    return undefined;
  }
}
