// Manifest -> the `catalog` section of gateway.json (pure): per service its owner data and
// where its OpenAPI document comes from. Workspace files are read by the caller (the fs edge,
// read-openapi-files.ts) and passed in, parsed or with the reason they could not be.
import type { Manifest, ServiceSpec } from '../manifest/schema.js';
import type { CatalogOpenApi, GatewayConfig } from '../runtime/contract/index.js';

/** What the fs edge read for each service whose `openapi` names a workspace file. */
export type OpenApiFiles = Record<string, { document: unknown } | { error: string }>;

/** Template services serve their document here unless the manifest says otherwise. */
export const DEFAULT_OPENAPI_PATH = '/openapi.json';

export function compileCatalog(manifest: Manifest, files: OpenApiFiles): NonNullable<GatewayConfig['catalog']> {
  const services: NonNullable<GatewayConfig['catalog']>['services'] = {};
  for (const [name, spec] of Object.entries(manifest.services)) {
    services[name] = {
      description: spec.description ?? null,
      owner: spec.owner ?? null,
      tags: [...(spec.tags ?? [])],
      openapi: openApiSource(spec, files[name]),
    };
  }
  return { services };
}

/** The manifest's `openapi` key with its default applied: a path, a workspace file, or nothing. */
export function resolveOpenApiKey(spec: ServiceSpec): { path: string } | { file: string } | null {
  const key = spec.openapi ?? (spec.template !== undefined ? { path: DEFAULT_OPENAPI_PATH } : false);
  if (key === false) return null;
  return typeof key === 'string' ? { file: key } : { path: key.path };
}

function openApiSource(spec: ServiceSpec, read: OpenApiFiles[string] | undefined): CatalogOpenApi {
  const key = resolveOpenApiKey(spec);
  if (key === null) return { source: 'none' };
  if ('path' in key) return { source: 'served', path: key.path };
  if (read === undefined) return { source: 'file', file: key.file, document: null, error: `${key.file} was not read (run \`portico generate\`)` };
  return 'error' in read
    ? { source: 'file', file: key.file, document: null, error: read.error }
    : { source: 'file', file: key.file, document: read.document, error: null };
}
