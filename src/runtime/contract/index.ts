// The contract between `portico generate` (compile/, which writes these files) and the
// gateway and registry runtimes (which read them inside their containers).
// Paths: .portico/gateway.json and .portico/discovery.json, mounted read-only into the
// containers at /etc/portico/. All durations are milliseconds, all sizes bytes: the runtimes
// never parse "10s".
import * as z from 'zod';

export const CONTRACT_VERSION = 1;

/** Where the runtimes find their config inside a container (the workspace's .portico/ dir). */
export const CONTAINER_CONFIG_DIR = '/etc/portico';
export const GATEWAY_CONFIG_FILE = 'gateway.json';
export const DISCOVERY_CONFIG_FILE = 'discovery.json';

/** Fixed ports inside the stack network. Only the gateway is published on the host. */
export const GATEWAY_CONTAINER_PORT = 8080;
export const REGISTRY_CONTAINER_PORT = 8500;
/** Network aliases of the two runtime containers on `<project>_net`. */
export const REGISTRY_HOST = 'registry';
export const GATEWAY_HOST = 'gateway';
/** Service names reserved for Portico's own containers. */
export const RESERVED_SERVICE_NAMES = ['gateway', 'registry'] as const;

/**
 * Environment variables `portico up` injects into every service container; the templates'
 * registry client reads them. A service run outside Portico (no PORTICO_REGISTRY_URL) simply
 * does not register.
 */
export const SERVICE_ENV = {
  project: 'PORTICO_PROJECT',
  service: 'PORTICO_SERVICE',
  instanceId: 'PORTICO_INSTANCE_ID', // the container name, unique in the stack
  registryUrl: 'PORTICO_REGISTRY_URL', // http://registry:8500
  registryToken: 'PORTICO_REGISTRY_TOKEN', // shared secret for writes, generated per stack
  port: 'PORT',
  healthPath: 'PORTICO_HEALTH_PATH',
  version: 'PORTICO_SERVICE_VERSION',
} as const;

const authMode = z.enum(['required', 'optional', 'none']);

export const rateLimitPolicySchema = z.object({
  requests: z.number().int().positive(),
  perMs: z.number().int().positive(),
  by: z.enum(['ip', 'apiKey', 'subject']),
  burst: z.number().int().positive(),
});

export const corsPolicySchema = z.object({
  origins: z.array(z.string()),
  methods: z.array(z.string()),
  headers: z.array(z.string()),
  exposeHeaders: z.array(z.string()),
  credentials: z.boolean(),
  maxAgeSeconds: z.number().int().nonnegative(),
});

// ---- AI routes (gateway feature features/ai, docs/ai.md)

/** An LLM provider: its wire format, base URL (https:// verified like any HTTPS upstream) and the env var of its key. */
export const aiProviderConfigSchema = z.object({
  kind: z.enum(['openai', 'anthropic']),
  baseUrl: z.string(),
  keyEnv: z.string().nullable(),
});

/** A prompt endpoint's template (handlebars, rendered in the gateway) and JSON Schema of its input. */
export const aiPromptConfigSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  system: z.string().nullable(),
  prompt: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});

/**
 * What makes a route an AI route: the gateway answers it itself by calling the providers (the
 * route's `service` is the pseudo-service AI_SERVICE, which has no instances). Models are
 * `<provider>/<model>`; `allow` globs use `*`.
 */
export const aiRouteConfigSchema = z.object({
  models: z.object({ default: z.string(), allow: z.array(z.string()) }),
  fallback: z.array(z.string()),
  tokenLimit: z.object({ tokens: z.number().int().positive(), perMs: z.number().int().positive(), by: z.enum(['ip', 'apiKey', 'subject']) }).nullable(),
  /** Per attempt: time to the provider's response headers. */
  timeoutMs: z.number().int().positive(),
  /** Set on prompt endpoints (POST /ai/<name>): the body is the template's input, not a chat request. */
  prompt: aiPromptConfigSchema.nullable(),
});

/** The `service` of AI routes in gateway.json: not a container; its routes carry `ai`. */
export const AI_SERVICE = 'ai';

export const gatewayRouteSchema = z.object({
  /** Stable id: `<service>#<index in the service's routes>`; used in metrics and logs. */
  id: z.string(),
  service: z.string(),
  path: z.string(),
  host: z.string().nullable(),
  methods: z.array(z.string()).nullable(),
  stripPrefix: z.boolean(),
  auth: authMode,
  timeouts: z.object({ connectMs: z.number().int(), headerMs: z.number().int(), bodyMs: z.number().int() }),
  retries: z.number().int().min(0),
  circuitBreaker: z.object({ failureThreshold: z.number().int().positive(), resetAfterMs: z.number().int().positive() }),
  rateLimit: rateLimitPolicySchema.nullable(),
  cache: z.object({ ttlMs: z.number().int().positive() }).nullable(),
  cors: corsPolicySchema.nullable(),
  maxBodyBytes: z.number().int().positive(),
  /** WebSocket upgrades: relayed with this idle limit (0: none), or null when refused (`websocket: false`). Absent: on, 60 s. */
  websocket: z.object({ idleTimeoutMs: z.number().int().nonnegative() }).nullable().optional(),
  /** An AI route (features/ai): answered by calling LLM providers instead of a service. Absent or null: an ordinary route. */
  ai: aiRouteConfigSchema.nullable().optional(),
  /** false: the MCP endpoint offers no tools for this route. Absent: it does (when MCP is on). */
  mcp: z.boolean().optional(),
});

/**
 * Where a service's OpenAPI document comes from (manifest key `openapi`, see docs/catalog.md):
 * served by the service at `path` (the gateway fetches it from a passing instance), a file in the
 * workspace (read by `portico generate` and carried here, parsed, or the reason it could not be),
 * or none.
 */
export const catalogOpenApiSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('served'), path: z.string() }),
  z.object({ source: z.literal('file'), file: z.string(), document: z.unknown(), error: z.string().nullable() }),
  z.object({ source: z.literal('none') }),
]);

export const catalogServiceSchema = z.object({
  description: z.string().nullable(),
  owner: z.string().nullable(),
  tags: z.array(z.string()),
  openapi: catalogOpenApiSchema,
});

/** The env var holding the stack's admin token in the gateway container (admin surfaces: /_portico/catalog, ...). */
export const ADMIN_TOKEN_ENV = 'PORTICO_ADMIN_TOKEN';

export const gatewayConfigSchema = z.object({
  version: z.literal(CONTRACT_VERSION),
  project: z.string(),
  listen: z.object({ port: z.number().int() }),
  /** Where to watch instances; null = static instances from discovery.json only. */
  registry: z.object({ url: z.string(), tokenEnv: z.string() }).nullable(),
  auth: z.object({
    apiKeys: z.array(z.object({ name: z.string(), env: z.string() })),
    jwt: z
      .object({
        secretEnv: z.string().nullable(),
        jwksUrl: z.string().nullable(),
        issuer: z.string().nullable(),
        audience: z.string().nullable(),
        algorithms: z.array(z.enum(['HS256', 'RS256', 'ES256'])).min(1),
      })
      .nullable(),
  }),
  trustedProxies: z.array(z.string()),
  cacheMaxBytes: z.number().int().positive(),
  /** Routes in match order (longest prefix first is the gateway's job, not the file's). */
  routes: z.array(gatewayRouteSchema),
  /** Admin surfaces answer only `Authorization: Bearer <value of tokenEnv>`. Absent: they answer 401. */
  admin: z.object({ tokenEnv: z.string() }).optional(),
  /** The API catalog: every service of the manifest with its owner data and OpenAPI source. Absent: only routed services, without documents. */
  catalog: z.object({ services: z.record(z.string(), catalogServiceSchema) }).optional(),
  /** LLM providers of the AI routes (routes with `ai`). Absent: no AI routes. */
  ai: z.object({ providers: z.record(z.string(), aiProviderConfigSchema) }).optional(),
  /** API analytics (GET /_portico/analytics, docs/analytics.md). Absent: off (the compiler writes it from the manifest, where it defaults to on). */
  analytics: z.object({ enabled: z.boolean() }).optional(),
  /** The MCP endpoint /_portico/mcp (docs/mcp.md). Absent: off. `include` null: every service and route. */
  mcp: z.object({ include: z.array(z.string()).nullable(), exclude: z.array(z.string()) }).optional(),
});

export const staticInstanceSchema = z.object({
  /** Container name `<project>-<service>-<n>`, unique in the stack. */
  id: z.string(),
  address: z.string(),
  port: z.number().int(),
});

/** TLS to an upstream: SNI / certificate name (null: the address), and verification switched off (warned about). */
export const upstreamTlsSchema = z.object({
  servername: z.string().nullable(),
  insecureSkipVerify: z.boolean(),
});

export const discoveryServiceSchema = z.object({
  kind: z.enum(['template', 'image']),
  port: z.number().int(),
  /** Template services answer HTTP on a health path; plain images get a TCP check. */
  check: z.discriminatedUnion('type', [
    z.object({ type: z.literal('http'), path: z.string() }),
    z.object({ type: z.literal('tcp') }),
  ]),
  intervalMs: z.number().int().positive(),
  timeoutMs: z.number().int().positive(),
  /** Failed probes before an instance turns critical. */
  failuresBeforeCritical: z.number().int().positive(),
  startPeriodMs: z.number().int().nonnegative(),
  /** A self-registered instance must heartbeat within this TTL. */
  ttlMs: z.number().int().positive(),
  /** A critical instance is removed after this long. */
  deregisterAfterMs: z.number().int().positive(),
  /** The instances `up` creates: seeds for the registry, static fallback for the gateway. */
  instances: z.array(staticInstanceSchema),
  /** The service speaks HTTPS: the gateway connects with TLS (manifest `upstream.tls`). Absent or null: plain HTTP. */
  tls: upstreamTlsSchema.nullable().optional(),
});

export const discoveryConfigSchema = z.object({
  version: z.literal(CONTRACT_VERSION),
  project: z.string(),
  network: z.string(),
  services: z.record(z.string(), discoveryServiceSchema),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayRoute = z.infer<typeof gatewayRouteSchema>;
export type RateLimitPolicy = z.infer<typeof rateLimitPolicySchema>;
export type CorsPolicy = z.infer<typeof corsPolicySchema>;
export type CatalogService = z.infer<typeof catalogServiceSchema>;
export type CatalogOpenApi = z.infer<typeof catalogOpenApiSchema>;
export type DiscoveryConfig = z.infer<typeof discoveryConfigSchema>;
export type DiscoveryService = z.infer<typeof discoveryServiceSchema>;
export type StaticInstance = z.infer<typeof staticInstanceSchema>;
export type AiProviderConfig = z.infer<typeof aiProviderConfigSchema>;
export type AiRouteConfig = z.infer<typeof aiRouteConfigSchema>;
export type AiPromptConfig = z.infer<typeof aiPromptConfigSchema>;
export type UpstreamTlsConfig = z.infer<typeof upstreamTlsSchema>;

/** Instance status, after Consul's checks. */
export type InstanceStatus = 'passing' | 'warning' | 'critical';

// ---- Registry HTTP API (src/runtime/registry serves it; the gateway, `portico status` and the
// templates' client consume it). JSON over HTTP on REGISTRY_CONTAINER_PORT.
//   PUT    /v1/services/{service}/instances/{id}            register or refresh (body: registrationSchema)
//   PUT    /v1/services/{service}/instances/{id}/heartbeat  renew the TTL
//   DELETE /v1/services/{service}/instances/{id}            deregister
//   GET    /v1/services                                      { index, services: { name: RegistryInstance[] } }
//   GET    /v1/services/{service}                            { index, service, instances: RegistryInstance[] }
//   GET    /v1/watch                                         SSE, see below
//   GET    /v1/health                                        the registry's own health
//   GET    /openapi.json
// Writes need `Authorization: Bearer <token>` (SERVICE_ENV.registryToken); reads do not.

export const registrationSchema = z.object({
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  version: z.string().max(64).optional(),
  metadata: z.record(z.string(), z.string().max(256)).optional(),
  healthPath: z.string().max(256).optional(),
  ttlMs: z.number().int().min(1000).max(600_000).optional(),
});
export type Registration = z.infer<typeof registrationSchema>;

export interface RegistryInstance {
  service: string;
  id: string;
  address: string;
  port: number;
  version: string | null;
  metadata: Record<string, string>;
  status: InstanceStatus;
  /** 'self' = registered by the instance; 'static' = seeded from discovery.json. */
  source: 'self' | 'static';
  registeredAt: string;
  lastCheck: { at: string; status: InstanceStatus; output: string } | null;
}

/**
 * GET /v1/watch is a server-sent-events stream. Every event has `id: <index>` (monotonic) and
 * JSON data. On connect (or with Last-Event-ID older than the registry's history) the first
 * event is `event: snapshot` with `{ index, services: { name: RegistryInstance[] } }`; then one
 * `event: change` per change with `{ index, service, instances: RegistryInstance[] }` (the
 * service's full instance list after the change). Comment lines (`: ping`) keep it alive.
 */
export interface WatchSnapshot {
  index: number;
  services: Record<string, RegistryInstance[]>;
}
export interface WatchChange {
  index: number;
  service: string;
  instances: RegistryInstance[];
}
