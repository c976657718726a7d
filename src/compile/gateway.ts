// Manifest -> gateway.json (pure). Every route carries its complete, resolved policy: the
// gateway never merges defaults or parses "10s" at request time.
import type { GatewaySpec, Manifest, RouteSpec } from '../manifest/schema.js';
import { aiCatalogService, compileAiProviders, compileAiRoutes } from './ai.js';
import { compileCatalog, type OpenApiFiles } from './catalog.js';
import {
  ADMIN_TOKEN_ENV,
  AI_SERVICE,
  CONTRACT_VERSION,
  GATEWAY_CONTAINER_PORT,
  REGISTRY_CONTAINER_PORT,
  REGISTRY_HOST,
  SERVICE_ENV,
  type CorsPolicy,
  type GatewayConfig,
  type GatewayRoute,
  type RateLimitPolicy,
} from '../runtime/contract/index.js';
import { toBytes, toMs } from '../manifest/units.js';
import { normalizeRoutePath } from '../manifest/routes.js';

/** CORS methods when the manifest names none: every method a route can forward. */
export const DEFAULT_CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** CORS request headers when the manifest names none: what Portico's own features read. */
export const DEFAULT_CORS_HEADERS = ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id', 'traceparent'];
/** Response headers browsers may read when the manifest names none: the rate-limit state, request id and cache result the gateway adds. */
export const DEFAULT_CORS_EXPOSE_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'X-Cache'];

type RateLimitSpec = NonNullable<GatewaySpec['rateLimit']>;
type CorsSpec = NonNullable<GatewaySpec['cors']>;

/** `openapiFiles`: the workspace OpenAPI files the fs edge read (see compile/catalog.ts). */
export function compileGateway(manifest: Manifest, openapiFiles: OpenApiFiles = {}): GatewayConfig {
  const gw = manifest.gateway;
  const routes: GatewayRoute[] = [];
  for (const [service, spec] of Object.entries(manifest.services)) {
    // Services with replicas 0 keep their routes: the gateway answers 503 "no instances".
    spec.routes.forEach((route, index) => routes.push(compileRoute(service, index, route, gw)));
  }
  routes.push(...compileAiRoutes(manifest, (path, g) => compileRoute(AI_SERVICE, 0, { path, stripPrefix: false, auth: 'required' }, g)));
  const jwt = gw.auth.jwt;
  return {
    version: CONTRACT_VERSION,
    project: manifest.name,
    listen: { port: GATEWAY_CONTAINER_PORT },
    registry: { url: `http://${REGISTRY_HOST}:${REGISTRY_CONTAINER_PORT}`, tokenEnv: SERVICE_ENV.registryToken },
    auth: {
      apiKeys: gw.auth.apiKeys.map((k) => ({ name: k.name, env: k.env })),
      jwt: jwt
        ? {
            secretEnv: jwt.secretEnv ?? null,
            jwksUrl: jwt.jwksUrl ?? null,
            issuer: jwt.issuer ?? null,
            audience: jwt.audience ?? null,
            algorithms: [...jwt.algorithms],
          }
        : null,
    },
    trustedProxies: [...gw.trustedProxies],
    cacheMaxBytes: toBytes(gw.cacheSize),
    routes,
    admin: { tokenEnv: ADMIN_TOKEN_ENV },
    catalog: withAiCatalog(compileCatalog(manifest, openapiFiles), aiCatalogService(manifest)),
    ...(gw.ai === undefined ? {} : { ai: compileAiProviders(manifest) }),
    analytics: { enabled: gw.analytics.enabled },
    ...(gw.mcp?.enabled ? { mcp: { include: gw.mcp.include ?? null, exclude: [...gw.mcp.exclude] } } : {}),
  };
}

function compileRoute(service: string, index: number, route: RouteSpec, gw: GatewaySpec): GatewayRoute {
  return {
    id: `${service}#${index}`,
    service,
    path: normalizeRoutePath(route.path),
    host: route.host ?? null,
    methods: route.methods ? [...route.methods] : null,
    stripPrefix: route.stripPrefix,
    auth: route.auth,
    timeouts: {
      connectMs: toMs(route.timeouts?.connect ?? gw.timeouts.connect),
      headerMs: toMs(route.timeouts?.header ?? gw.timeouts.header),
      bodyMs: toMs(route.timeouts?.body ?? gw.timeouts.body),
    },
    retries: route.retries ?? gw.retries,
    circuitBreaker: {
      failureThreshold: gw.circuitBreaker.failureThreshold,
      resetAfterMs: toMs(gw.circuitBreaker.resetAfter),
    },
    // `false` on the route switches an inherited policy off; absent inherits the gateway's.
    rateLimit: inherit(route.rateLimit, gw.rateLimit, compileRateLimit),
    cache: route.cache ? { ttlMs: toMs(route.cache.ttl) } : null,
    cors: inherit(route.cors, gw.cors, compileCors),
    maxBodyBytes: toBytes(route.maxBodySize ?? gw.maxBodySize),
    websocket: route.websocket === false ? null : { idleTimeoutMs: toMs(route.websocket?.idleTimeout ?? '60s') },
    ...(route.mcp === false ? { mcp: false } : {}),
  };
}

/** The AI routes' pseudo-service joins the catalog (the validate step made sure no service is named like it). */
function withAiCatalog(catalog: NonNullable<GatewayConfig['catalog']>, ai: ReturnType<typeof aiCatalogService>): NonNullable<GatewayConfig['catalog']> {
  return ai === null ? catalog : { services: { ...catalog.services, [AI_SERVICE]: ai } };
}

function inherit<S, P>(own: S | false | undefined, fallback: S | undefined, compile: (s: S) => P): P | null {
  if (own === false) return null;
  const spec = own ?? fallback;
  return spec === undefined ? null : compile(spec);
}

export function compileRateLimit(spec: RateLimitSpec): RateLimitPolicy {
  return { requests: spec.requests, perMs: toMs(spec.per), by: spec.by, burst: spec.burst ?? spec.requests };
}

export function compileCors(spec: CorsSpec): CorsPolicy {
  return {
    origins: [...spec.origins],
    methods: [...(spec.methods ?? DEFAULT_CORS_METHODS)],
    headers: [...(spec.headers ?? DEFAULT_CORS_HEADERS)],
    exposeHeaders: [...(spec.exposeHeaders ?? DEFAULT_CORS_EXPOSE_HEADERS)],
    credentials: spec.credentials,
    maxAgeSeconds: Math.round(toMs(spec.maxAge) / 1000),
  };
}
