// The gateway's catalog API (src/runtime/gateway/catalog serves it; `portico catalog` reads it).
// Admin surfaces: every request needs `Authorization: Bearer <admin token>` (ADMIN_TOKEN_ENV).
//   GET /_portico/catalog                          CatalogListing
//   GET /_portico/catalog/<service>/openapi.json   the service's public OpenAPI document
//   GET /_portico/openapi.json                     every service in one OpenAPI document
import type { GatewayRoute } from './index.js';

export const CATALOG_PATH = '/_portico/catalog';
export const MERGED_OPENAPI_PATH = '/_portico/openapi.json';

/** none: no document configured; pending: not collected yet; unavailable: the instance did not answer; invalid: the parser refused it. */
export type CatalogDocumentState = 'none' | 'pending' | 'ok' | 'invalid' | 'unavailable';

export interface CatalogHealth {
  /** passing: all instances pass; degraded: some; critical: none; unknown: the registry has not said yet; none: no instances. */
  status: 'passing' | 'degraded' | 'critical' | 'unknown' | 'none';
  passing: number;
  total: number;
  /** Versions the passing instances registered with. */
  versions: string[];
}

export interface CatalogEntry {
  service: string;
  description: string | null;
  owner: string | null;
  tags: string[];
  /** info.version of the document, when there is one. */
  version: string | null;
  health: CatalogHealth;
  openapi: {
    source: 'served' | 'file' | 'none';
    state: CatalogDocumentState;
    /** Why there is no valid document (the parser's message for invalid ones). */
    error: string | null;
    warnings: string[];
    /** `<instance id> <path>` or the workspace file. */
    from: string | null;
    checkedAt: string | null;
    /** Operations the gateway publishes (after route rewriting). */
    operations: number;
    conflicts: string[];
  };
  routes: Pick<GatewayRoute, 'id' | 'path' | 'host' | 'methods' | 'stripPrefix' | 'auth' | 'rateLimit' | 'cache'>[];
}

export interface CatalogListing {
  project: string;
  services: CatalogEntry[];
}

/** The OpenAPI operation keys of a path item (HTTP methods, lowercase). */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

// How the gateway maps public paths to what the upstream sees, shared by the catalog (which
// rewrites documents) and `portico validate` (which checks workspace documents against routes).

/**
 * The public path of a document path under a route, or null when the route does not reach it.
 * stripPrefix: the upstream sees the path without the prefix, so `/items` is public at
 * `<prefix>/items` (and `/` at the prefix itself). Without stripPrefix the upstream sees the
 * public path: only document paths under the prefix are reachable.
 */
export function publicPathFor(documentPath: string, route: Pick<GatewayRoute, 'path' | 'stripPrefix'>): string | null {
  const prefix = route.path === '/' ? '' : route.path;
  if (route.stripPrefix) return documentPath === '/' ? prefix || '/' : prefix + documentPath;
  if (prefix === '' || documentPath === prefix || documentPath.startsWith(`${prefix}/`)) return documentPath;
  return null;
}

/** Whether a route with these methods forwards `method` (a route open to GET answers HEAD too, as the router does). */
export function routeAllows(methods: readonly string[] | null, method: string): boolean {
  if (methods === null) return true;
  const upper = method.toUpperCase();
  return methods.includes(upper) || (upper === 'HEAD' && methods.includes('GET'));
}
