// The containment checks of check-service-files.ts and gateway-ca.ts again, on the real file
// system: a path that looks inside the workspace may still lead out of it through a symlink.
// Also: a mount source must exist (Docker would otherwise create an empty root-owned folder in
// its place), and a CA file of gateway.tls must exist and hold certificates.
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseMount, sourceLeavesWorkspace } from './mounts.js';
import { envFilesOf } from './check-service-files.js';
import { MAX_CA_FILE_BYTES, caFileContentProblem, gatewayCaFilesOf } from './gateway-ca.js';
import type { Manifest } from './schema.js';
import type { SemanticProblem } from './validate.js';

export async function workspaceFilesOnDisk(m: Manifest, workspaceDir: string): Promise<SemanticProblem[]> {
  const root = await realpath(workspaceDir);
  const inside = (real: string) => real === root || real.startsWith(root + path.sep);
  const problems: SemanticProblem[] = [];
  /** A path that is inside on paper but whose real location is not. */
  const escapes = async (rel: string): Promise<string | undefined> => {
    const abs = path.resolve(workspaceDir, rel);
    if (!existsSync(abs)) return undefined;
    const real = await realpath(abs);
    return inside(real) ? undefined : real;
  };
  const viaSymlink = (rel: string, real: string, what: string) =>
    `${what} "${rel}" leads outside the workspace through a symlink (to ${real}); keep it under the folder of portico.yaml.`;
  for (const [name, spec] of Object.entries(m.services)) {
    const at = ['services', name];
    const context = spec.build?.context;
    if (context !== undefined && !sourceLeavesWorkspace(context)) {
      const real = await escapes(context);
      if (real) problems.push({ path: [...at, 'build', 'context'], message: viaSymlink(context, real, 'build context') });
    }
    const files = envFilesOf(spec);
    for (const [i, file] of files.entries()) {
      if (sourceLeavesWorkspace(file)) continue; // reported by the text check
      const real = await escapes(file);
      if (real) problems.push({ path: typeof spec.envFile === 'string' ? [...at, 'envFile'] : [...at, 'envFile', i], message: viaSymlink(file, real, 'env file') });
    }
    for (const [i, written] of spec.mounts.entries()) {
      const mount = parseMount(written);
      if (typeof mount === 'string') continue; // reported by the text check
      const abs = path.resolve(workspaceDir, mount.source);
      if (!existsSync(abs)) {
        problems.push({ path: [...at, 'mounts', i], message: `mount source "${mount.source}" does not exist; create it or fix the path (Docker would put an empty root-owned folder there).` });
        continue;
      }
      if (mount.allowOutside || sourceLeavesWorkspace(mount.source)) continue;
      const real = await escapes(mount.source);
      if (real) problems.push({ path: [...at, 'mounts', i], message: `${viaSymlink(mount.source, real, 'mount source')} Write allowOutside: true in the long form if you mean it.` });
    }
  }
  for (const [i, file] of gatewayCaFilesOf(m).entries()) {
    if (sourceLeavesWorkspace(file)) continue; // reported by the text check
    const at = ['gateway', 'tls', 'caFiles', i];
    const problem = await caFileProblem(workspaceDir, file);
    const real = problem === undefined ? await escapes(file) : undefined;
    if (problem) problems.push({ path: at, message: problem });
    else if (real) problems.push({ path: at, message: viaSymlink(file, real, 'CA file') });
  }
  return problems;
}

async function caFileProblem(workspaceDir: string, file: string): Promise<string | undefined> {
  const abs = path.resolve(workspaceDir, file);
  const info = await stat(abs).catch(() => undefined);
  if (info === undefined) return `CA file "${file}" does not exist; put the PEM certificate of the CA there (relative to portico.yaml) or fix the path.`;
  if (!info.isFile()) return `CA file "${file}" is not a file; name the PEM file of the CA certificate, e.g. certs/ca.pem.`;
  if (info.size > MAX_CA_FILE_BYTES) return `CA file "${file}" is ${info.size} bytes; a CA bundle is far smaller (limit ${MAX_CA_FILE_BYTES}): name only the CA certificates the gateway needs.`;
  try {
    return caFileContentProblem(file, await readFile(abs, 'utf8'));
  } catch (error) {
    return `CA file "${file}" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions.`;
  }
}
