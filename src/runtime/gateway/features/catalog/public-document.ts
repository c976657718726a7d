// A service's OpenAPI document as the gateway really serves it (pure): paths rewritten to the
// route prefixes (respecting stripPrefix, host and methods), servers pointing at the gateway,
// security from the route's auth, and the route's rate limit and cache noted per operation as
// `x-portico-*` extensions. The input document has been validated; it is never mutated.
import type { GatewayConfig, GatewayRoute } from '../../../contract/index.js';
import { OPERATION_METHODS, publicPathFor, routeAllows } from '../../../contract/catalog-api.js';

export { OPERATION_METHODS, publicPathFor, routeAllows };

export type OpenApiDocument = Record<string, unknown> & { openapi: string; info?: Record<string, unknown>; paths?: Record<string, unknown> };
type Json = Record<string, unknown>;


/** Security scheme names the gateway adds; prefixed so they never collide with a service's own. */
export const API_KEY_SCHEME = 'porticoApiKey';
export const JWT_SCHEME = 'porticoJwt';

export interface PublishContext {
  /** The gateway's base URL as the client reached it, e.g. http://127.0.0.1:8080. */
  serverUrl: string;
  auth: GatewayConfig['auth'];
}

/** One operation the gateway serves: where, for which route, and the operation object to publish. */
export interface PublicOperation {
  path: string;
  method: (typeof OPERATION_METHODS)[number];
  route: GatewayRoute;
  /** The path item's own fields (parameters, summary, ...) without its operations. */
  pathItem: Json;
  operation: Json;
}

/** Every operation of `document` that one of `routes` serves, rewritten for the public. */
export function publicOperations(document: OpenApiDocument, routes: readonly GatewayRoute[], ctx: PublishContext): PublicOperation[] {
  const out: PublicOperation[] = [];
  for (const route of routes) {
    for (const [documentPath, rawItem] of Object.entries(document.paths ?? {})) {
      const path = publicPathFor(documentPath, route);
      if (path === null || !isObject(rawItem)) continue;
      const pathItem = withoutOperations(rawItem);
      if (route.host !== null) pathItem.servers = [{ url: hostServerUrl(ctx.serverUrl, route.host), description: `route host ${route.host}: requests must carry Host: ${route.host}` }];
      for (const method of OPERATION_METHODS) {
        const operation = rawItem[method];
        if (!isObject(operation) || !routeAllows(route.methods, method)) continue;
        out.push({ path, method, route, pathItem, operation: decorateOperation(operation, route, ctx.auth) });
      }
    }
  }
  return out;
}

/** The security requirement alternatives the gateway enforces for an auth mode. */
export function securityFor(auth: GatewayRoute['auth'], config: GatewayConfig['auth']): Json[] {
  if (auth === 'none') return [];
  const alternatives: Json[] = [];
  if (config.apiKeys.length > 0) alternatives.push({ [API_KEY_SCHEME]: [] });
  if (config.jwt !== null) alternatives.push({ [JWT_SCHEME]: [] });
  if (auth === 'optional') alternatives.push({}); // {} = anonymous allowed
  return alternatives;
}

/** The gateway's security schemes that `operations` use. */
export function securitySchemesFor(operations: readonly PublicOperation[], config: GatewayConfig['auth']): Json {
  const schemes: Json = {};
  const used = operations.some((o) => o.route.auth !== 'none');
  if (used && config.apiKeys.length > 0) {
    schemes[API_KEY_SCHEME] = { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key the gateway knows (gateway.auth.apiKeys).' };
  }
  if (used && config.jwt !== null) {
    schemes[JWT_SCHEME] = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `A JWT signed with ${config.jwt.algorithms.join('/')}${config.jwt.issuer ? `, issuer ${config.jwt.issuer}` : ''}.` };
  }
  return schemes;
}

function decorateOperation(operation: Json, route: GatewayRoute, auth: GatewayConfig['auth']): Json {
  const out: Json = { ...operation, security: securityFor(route.auth, auth), 'x-portico-route': route.id };
  const responses: Json = isObject(operation.responses) ? { ...operation.responses } : {};
  if (route.auth === 'required' && responses['401'] === undefined) responses['401'] = { description: 'Missing or invalid credentials (answered by the gateway).' };
  if (route.rateLimit !== null) {
    out['x-portico-rateLimit'] = { ...route.rateLimit };
    if (responses['429'] === undefined) responses['429'] = { description: 'Rate limit exceeded (answered by the gateway; see Retry-After and RateLimit-* headers).' };
  }
  if (route.cache !== null) out['x-portico-cache'] = { ...route.cache };
  if (route.host !== null) out['x-portico-host'] = route.host;
  out.responses = responses;
  return out;
}

function withoutOperations(item: Json): Json {
  const rest: Json = {};
  for (const [key, value] of Object.entries(item)) if (!(OPERATION_METHODS as readonly string[]).includes(key) && key !== 'servers') rest[key] = value;
  return rest;
}

/** The gateway URL with the route's host in place of the one the client used (port kept). */
function hostServerUrl(serverUrl: string, host: string): string {
  const url = new URL(serverUrl);
  url.hostname = host;
  return url.origin;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
