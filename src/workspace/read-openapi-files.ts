// The read edge of the catalog: the OpenAPI documents that services name as workspace files
// (`openapi: ./api/openapi.yaml`), read and parsed (JSON or YAML) for compileCatalog. A file
// that is missing, too big, outside the workspace or not JSON/YAML becomes an error entry with
// the reason: the gateway still routes the service and the catalog shows why.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LoadedManifest } from '../manifest/load.js';
import { resolveOpenApiKey, type OpenApiFiles } from '../compile/catalog.js';

/** Documents beyond this are refused: they end up inside gateway.json. */
export const MAX_OPENAPI_FILE_BYTES = 2 * 1024 * 1024;

export async function readOpenApiFiles(loaded: LoadedManifest): Promise<OpenApiFiles> {
  const files: OpenApiFiles = {};
  for (const [name, spec] of Object.entries(loaded.manifest.services)) {
    const key = resolveOpenApiKey(spec);
    if (key !== null && 'file' in key) files[name] = await readOne(loaded.dir, key.file);
  }
  return files;
}

async function readOne(workspaceDir: string, relative: string): Promise<OpenApiFiles[string]> {
  const file = path.resolve(workspaceDir, relative);
  const inside = path.relative(workspaceDir, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return { error: `${relative} is outside the workspace; keep the document under the folder of portico.yaml` };
  try {
    const { size } = await stat(file);
    if (size > MAX_OPENAPI_FILE_BYTES) return { error: `${relative} is ${size} bytes; the limit is ${MAX_OPENAPI_FILE_BYTES}` };
    const text = await readFile(file, 'utf8');
    // YAML 1.2 is a superset of JSON: one parser reads both.
    return { document: parseYaml(text, { maxAliasCount: 100 }) as unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: `${relative} does not exist` };
    return { error: `${relative} could not be read: ${(error as Error).message}` };
  }
}
