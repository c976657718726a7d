// The write edge of compile/: puts renderArtifacts() on disk next to portico.yaml, or compares
// what is on disk with it (`generate --check`). Its own layer (workspace/) because compile/ is
// pure and both scaffold/ (`init`, `create`) and engine/ (`up`) write these files, and those
// two may not import each other.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedManifest } from '../manifest/load.js';
import { fileError } from '../core/fs-error.js';
import { GATEWAY_CA_ARTIFACT, GENERATED_DIR, renderArtifacts, type Artifact } from '../compile/generate.js';
import { readOpenApiFiles } from './read-openapi-files.js';
import { readGatewayCa } from './gateway-ca.js';

export interface StaleFile {
  relativePath: string;
  state: 'missing' | 'stale';
}

/**
 * Writes the generated files whose content changed (relative paths in `written`). Each file
 * is written to a temporary name and renamed, so a running gateway that hot-reloads
 * gateway.json never reads half a file.
 */
export async function writeGeneratedFiles(loaded: LoadedManifest): Promise<{ written: string[] }> {
  const written: string[] = [];
  const artifacts = await artifactsOf(loaded);
  for (const artifact of artifacts) {
    const target = path.join(loaded.dir, artifact.relativePath);
    try {
      if ((await readIfExists(target)) === artifact.content) continue;
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, artifact.content, 'utf8');
      await rename(tmp, target);
    } catch (error) {
      throw fileError(error, 'write', target, `Fix that, then run \`portico generate\` to write ${GENERATED_DIR}/.`);
    }
    written.push(artifact.relativePath);
  }
  // A CA bundle left from a manifest that no longer names CA files would look as if it applied.
  if (!artifacts.some((a) => a.relativePath === GATEWAY_CA_ARTIFACT)) await rm(path.join(loaded.dir, GATEWAY_CA_ARTIFACT), { force: true });
  return { written };
}

/** What the manifest and the workspace files it names render to. */
async function artifactsOf(loaded: LoadedManifest): Promise<Artifact[]> {
  return renderArtifacts(loaded.manifest, await readOpenApiFiles(loaded), await readGatewayCa(loaded));
}

/** The generated files that are missing or differ from what the manifest produces. */
export async function checkGeneratedFiles(loaded: LoadedManifest): Promise<StaleFile[]> {
  const stale: StaleFile[] = [];
  for (const artifact of await artifactsOf(loaded)) {
    const target = path.join(loaded.dir, artifact.relativePath);
    const current = await readIfExists(target).catch((error: unknown) => {
      throw fileError(error, 'read', target, `Fix that, then run \`portico generate\` to write ${GENERATED_DIR}/.`);
    });
    if (current === undefined) stale.push({ relativePath: artifact.relativePath, state: 'missing' });
    else if (current !== artifact.content) stale.push({ relativePath: artifact.relativePath, state: 'stale' });
  }
  return stale;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
