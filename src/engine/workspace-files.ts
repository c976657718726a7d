// What a service reads from the workspace, resolved at the edge so the plan stays pure: the
// values of its env files merged under its `env` (a value written in portico.yaml wins, as in
// Compose), and its mount sources made absolute. The result lives in memory only: nothing
// derived from it is written to .portico/, and no value is printed.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseMount } from '../manifest/mounts.js';
import { envFilesOf } from '../manifest/check-service-files.js';
import { literalReadingDiffers, readEnvFiles } from '../manifest/env-file.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { ServiceSpec } from '../manifest/schema.js';

/** `loaded` with the env files and mounts of `services` resolved (the others as they are). */
export async function withWorkspaceFiles(loaded: LoadedManifest, services: string[]): Promise<LoadedManifest> {
  const resolved: Record<string, ServiceSpec> = { ...loaded.manifest.services };
  for (const name of services) {
    const spec = loaded.manifest.services[name]!;
    const files = envFilesOf(spec);
    const fromFiles = files.length > 0 ? await readEnvFiles(loaded.dir, files, `services.${name}.envFile`) : {};
    resolved[name] = { ...spec, env: { ...fromFiles, ...spec.env }, mounts: absoluteMounts(loaded.dir, spec) };
  }
  return { ...loaded, manifest: { ...loaded.manifest, services: resolved } };
}

/**
 * `loaded` with every service's mount sources absolute and its env files left unread: for the
 * exports, which reference the env files by path and must never carry their values.
 */
export function withMountsResolved(loaded: LoadedManifest): LoadedManifest {
  const services = Object.fromEntries(Object.entries(loaded.manifest.services).map(([name, spec]) => [name, { ...spec, mounts: absoluteMounts(loaded.dir, spec) }]));
  return { ...loaded, manifest: { ...loaded.manifest, services } };
}

function absoluteMounts(dir: string, spec: ServiceSpec): ServiceSpec['mounts'] {
  return spec.mounts.map((written) => {
    const mount = parseMount(written);
    // The manifest was validated before: a bad mount here is a bug, not user input.
    if (typeof mount === 'string') throw new Error(mount);
    return { ...mount, source: path.resolve(dir, mount.source) };
  });
}

/**
 * What an export tells about the env files it references but does not copy. One missing now
 * is a note, not an error: compose reads it when the stack starts and kubectl when the Secret
 * is created (`up` needs it at once; an export may be written where the files are not). For
 * Kubernetes, the keys kubectl would read differently (names only, never values).
 */
export async function envFileNotes(loaded: LoadedManifest, target: 'compose' | 'kubernetes'): Promise<string[]> {
  const consequence = target === 'compose' ? 'docker-compose refuses to start' : 'its `kubectl create secret` fails';
  const notes: string[] = [];
  for (const [service, spec] of Object.entries(loaded.manifest.services)) {
    for (const file of envFilesOf(spec)) {
      const abs = path.resolve(loaded.dir, file);
      if (!existsSync(abs)) {
        notes.push(`services.${service}.envFile names ${file}, which does not exist yet: ${consequence} until it does.`);
        continue;
      }
      if (target !== 'kubernetes') continue;
      const differs = literalReadingDiffers(await readFile(abs, 'utf8').catch(() => ''));
      if (differs.length > 0) {
        notes.push(`${file} (services.${service}.envFile): kubectl reads env files line by line without quotes, \`export\` or multi-line values, so ${differs.join(', ')} would get other values in the cluster than with \`portico up\`; write them as plain KEY=value lines.`);
      }
    }
  }
  return notes;
}
