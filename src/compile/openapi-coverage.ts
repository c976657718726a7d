// `portico validate`'s static OpenAPI check (pure): for services whose document is a workspace
// file, warn when a route reaches none of the paths the document describes, or forwards a
// method the document has no operation for under it. Served documents are only known at run
// time: `portico catalog` shows what the gateway collected.
import type { Manifest } from '../manifest/schema.js';
import { OPERATION_METHODS, publicPathFor } from '../runtime/contract/catalog-api.js';
import type { OpenApiFiles } from './catalog.js';
import { normalizeRoutePath } from '../manifest/routes.js';

export interface CoverageWarning {
  path: (string | number)[];
  message: string;
}

export function openApiCoverageWarnings(manifest: Manifest, files: OpenApiFiles): CoverageWarning[] {
  const warnings: CoverageWarning[] = [];
  for (const [service, spec] of Object.entries(manifest.services)) {
    const read = files[service];
    if (read === undefined) continue; // not a workspace file
    const file = spec.openapi as string;
    if ('error' in read) {
      warnings.push({ path: ['services', service, 'openapi'], message: `${read.error}; the catalog will show the service without operations.` });
      continue;
    }
    const paths = pathsOf(read.document);
    if (paths === null || Object.keys(paths).length === 0) {
      const what = paths === null ? 'has no "paths" object (is it an OpenAPI 3 document?)' : 'describes no paths';
      if (spec.routes.length > 0) warnings.push({ path: ['services', service, 'openapi'], message: `${file} ${what}, but the service's routes serve paths.` });
      continue;
    }
    spec.routes.forEach((route, index) => {
      const at = ['services', service, 'routes', index];
      const compiled = { path: normalizeRoutePath(route.path), stripPrefix: route.stripPrefix };
      const reached = Object.entries(paths).filter(([p]) => publicPathFor(p, compiled) !== null);
      if (reached.length === 0) {
        // Only reachable without stripPrefix: with it, every document path sits under the prefix.
        warnings.push({ path: at, message: `route ${route.path} serves paths ${file} does not describe: none of its paths is under ${route.path} (the route forwards them unchanged, stripPrefix: false).` });
        return;
      }
      const methods = new Set(reached.flatMap(([, item]) => (isObject(item) ? OPERATION_METHODS.filter((m) => isObject(item[m])) : [])));
      for (const method of route.methods ?? []) {
        if (method === 'HEAD' || method === 'OPTIONS') continue; // answered for GET / by CORS
        if (!methods.has(method.toLowerCase() as (typeof OPERATION_METHODS)[number])) {
          warnings.push({ path: at, message: `route ${route.path} forwards ${method}, but ${file} describes no ${method} operation it reaches.` });
        }
      }
      if (route.methods === undefined && methods.size === 0) warnings.push({ path: at, message: `route ${route.path} reaches paths in ${file} without any operation.` });
    });
  }
  return warnings;
}

function pathsOf(document: unknown): Record<string, unknown> | null {
  return isObject(document) && isObject(document.paths) ? document.paths : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
