// The manifest schema: the single source of truth for portico.yaml.
// Exported as JSON Schema too (`portico generate` writes .portico/portico.schema.json) so
// editors complete and check the file.
import * as z from 'zod';
import { CIRCUIT_BREAKER_DEFAULTS, HEALTH_DEFAULTS, TIMEOUT_DEFAULTS } from './defaults.js';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

/** DNS-label safe: what Docker container names, network aliases and hostnames accept. */
export const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const dnsLabel = z
  .string()
  .regex(DNS_LABEL, 'must be a DNS label: 1-63 lowercase letters, digits and dashes, starting with a letter and not ending with a dash');

/** An environment variable name (secrets are referenced by name, never by value). */
export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name like SHOP_API_KEY');

/** "500ms", "10s", "1m", "1h" or a number of milliseconds. */
export const duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(DURATION_PATTERN, 'must be a duration like 500ms, 10s, 1m or 1h'),
]);

/** "512kb", "1mb", or a number of bytes. */
export const byteSize = z.union([
  z.number().int().positive(),
  z.string().regex(SIZE_PATTERN, 'must be a size like 512kb or 1mb'),
]);

export const port = z
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const routePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%\/-]*$/, 'must start with "/" and contain only URL path characters');

export const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export const rateLimitSchema = z
  .object({
    requests: z.number().int().positive().describe('requests allowed per window'),
    per: duration.default('1m').describe('window length'),
    by: z.enum(['ip', 'apiKey', 'subject']).default('ip').describe('what a bucket is keyed by'),
    burst: z.number().int().positive().optional().describe('bucket size (default: requests)'),
  })
  .strict();

export const corsSchema = z
  .object({
    origins: z.array(z.string()).min(1).describe('allowed origins, or ["*"]'),
    methods: z.array(httpMethod).optional(),
    headers: z.array(z.string()).optional(),
    exposeHeaders: z.array(z.string()).optional(),
    credentials: z.boolean().default(false),
    maxAge: duration.default('10m'),
  })
  .strict();

export const timeoutsSchema = z
  .object({
    connect: duration.default(TIMEOUT_DEFAULTS.connect),
    header: duration.default(TIMEOUT_DEFAULTS.header),
    body: duration.default(TIMEOUT_DEFAULTS.body),
  })
  .strict();

export const circuitBreakerSchema = z
  .object({
    failureThreshold: z.number().int().positive().default(CIRCUIT_BREAKER_DEFAULTS.failureThreshold).describe('consecutive failures that open the circuit'),
    resetAfter: duration.default(CIRCUIT_BREAKER_DEFAULTS.resetAfter).describe('how long the circuit stays open before a trial request'),
  })
  .strict();

export const cacheSchema = z
  .object({
    ttl: duration.describe('how long a GET/HEAD response may be served from cache'),
  })
  .strict();

export const authMode = z.enum(['required', 'optional', 'none']);

export const websocketSchema = z
  .object({
    idleTimeout: duration.default('60s').describe('a WebSocket with no traffic either way for this long is closed (0 = never)'),
  })
  .strict();

export const routeSchema = z
  .object({
    path: routePath.describe('path prefix, e.g. /api/orders'),
    host: z.string().optional().describe('only requests for this Host'),
    methods: z.array(httpMethod).optional().describe('only these methods'),
    stripPrefix: z.boolean().default(true).describe('remove the prefix before forwarding'),
    auth: authMode.default('none'),
    cache: cacheSchema.optional(),
    rateLimit: z.union([rateLimitSchema, z.literal(false)]).optional().describe('overrides the gateway rate limit; false disables it'),
    timeouts: timeoutsSchema.partial().optional(),
    retries: z.number().int().min(0).max(5).optional(),
    maxBodySize: byteSize.optional(),
    cors: z.union([corsSchema, z.literal(false)]).optional(),
    websocket: z.union([websocketSchema, z.literal(false)]).optional().describe('WebSocket upgrades (on by default); false refuses them'),
    mcp: z.boolean().optional().describe('false: the gateway MCP endpoint offers no tools for this route (docs/mcp.md)'),
  })
  .strict();

/** The gateway's MCP endpoint /_portico/mcp (docs/mcp.md): the catalog's operations as tools for AI agents. Off unless enabled. */
export const gatewayMcpSchema = z
  .object({
    enabled: z.boolean().default(false).describe('serve /_portico/mcp'),
    include: z.array(z.string()).optional().describe('only these services or route paths (e.g. orders, /api/orders)'),
    exclude: z.array(z.string()).default([]).describe('never these services or route paths'),
  })
  .strict();

export const healthSchema = z
  .object({
    path: routePath.default(HEALTH_DEFAULTS.path),
    interval: duration.default(HEALTH_DEFAULTS.interval),
    timeout: duration.default(HEALTH_DEFAULTS.timeout),
    retries: z.number().int().positive().default(HEALTH_DEFAULTS.retries),
    startPeriod: duration.default(HEALTH_DEFAULTS.startPeriod),
  })
  .strict();

export const apiKeySchema = z.object({ name: dnsLabel, env: envVarName }).strict();

export const jwtSchema = z
  .object({
    secretEnv: envVarName.optional().describe('env var holding the HS256 secret or a PEM public key'),
    jwksUrl: z.url().optional().describe('JWKS endpoint for RS256/ES256 keys'),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    algorithms: z.array(z.enum(['HS256', 'RS256', 'ES256'])).min(1).describe('always pinned'),
  })
  .strict()
  .refine((j) => j.secretEnv !== undefined || j.jwksUrl !== undefined, {
    message: 'jwt needs secretEnv or jwksUrl',
  });

// ---- AI routes (docs/ai.md): LLM providers behind one OpenAI-compatible API.
/** `<provider>/<model>`, e.g. openai/gpt-4.1-mini; in `allow`, `*` matches any run of characters. */
const modelRef = z.string().regex(/^[a-z][a-z0-9-]*\/\S+$/, 'must be <provider>/<model>, e.g. openai/gpt-4.1-mini');

export const aiProviderSchema = z
  .object({
    kind: z.enum(['openai', 'anthropic']).describe('wire format: OpenAI Chat Completions (also Ollama, vLLM, LM Studio, Mistral...) or Anthropic Messages'),
    keyEnv: envVarName.optional().describe('env var holding the provider API key, injected by the gateway (clients never see it)'),
    baseUrl: z.url({ protocol: /^https?$/ }).optional().describe('API base URL (default: https://api.openai.com/v1 or https://api.anthropic.com/v1)'),
  })
  .strict();

export const aiTokenLimitSchema = z
  .object({
    tokens: z.number().int().positive().describe('input + output tokens allowed per window'),
    per: duration,
    by: z.enum(['ip', 'apiKey', 'subject']).default('apiKey'),
  })
  .strict();

const aiCallSettings = {
  fallback: z.array(modelRef).default([]).describe('models tried in order when the first answers 429/5xx or times out'),
  auth: authMode.default('required'),
  tokenLimit: aiTokenLimitSchema.optional(),
  timeout: duration.default('60s').describe('time to the provider\'s response headers, per attempt'),
  maxBodySize: byteSize.optional(),
};

export const aiRouteSchema = z
  .object({
    path: routePath,
    models: z
      .object({
        default: modelRef.describe('the model used when the request names none'),
        allow: z.array(z.string().min(1)).default([]).describe('models a request may name (globs: openai/*); the default and fallbacks are always allowed'),
      })
      .strict(),
    ...aiCallSettings,
  })
  .strict();

export const aiPromptSchema = z
  .object({
    description: z.string().max(500).optional(),
    model: modelRef,
    prompt: z.string().min(1).describe('handlebars template of the user message; the input fields are its variables'),
    system: z.string().optional().describe('handlebars template of the system message'),
    input: z.record(z.string(), z.unknown()).default({ type: 'object' }).describe('JSON Schema of the request body'),
    ...aiCallSettings,
  })
  .strict();

export const aiSchema = z
  .object({
    providers: z.record(dnsLabel, aiProviderSchema),
    routes: z.array(aiRouteSchema).default([]),
    prompts: z.record(dnsLabel, aiPromptSchema).default({}).describe('prompt templates served as POST /ai/<name>'),
  })
  .strict();

/** CAs the gateway trusts, beside Node's root store (docs/manifest.md, "gateway.tls"). */
export const gatewayTlsSchema = z
  .object({
    caFiles: z
      .array(z.string().min(1))
      .min(1)
      .describe('PEM files (relative to portico.yaml) of private CAs the gateway trusts for HTTPS services, AI providers and JWKS; bundled into .portico/gateway-ca.pem and given to the gateway as NODE_EXTRA_CA_CERTS'),
  })
  .strict();

export const gatewaySchema = z
  .object({
    port: port.default(8080).describe('host port the gateway is published on'),
    bind: z.string().default('127.0.0.1').describe('host address to publish on'),
    auth: z
      .object({
        apiKeys: z.array(apiKeySchema).default([]),
        jwt: jwtSchema.optional(),
      })
      .strict()
      .default({ apiKeys: [] }),
    rateLimit: rateLimitSchema.optional(),
    cors: corsSchema.optional(),
    timeouts: timeoutsSchema.default({ ...TIMEOUT_DEFAULTS }),
    retries: z.number().int().min(0).max(5).default(1),
    circuitBreaker: circuitBreakerSchema.default({ ...CIRCUIT_BREAKER_DEFAULTS }),
    cacheSize: byteSize.default('64mb').describe('memory for the response cache'),
    maxBodySize: byteSize.default('1mb'),
    trustedProxies: z.array(z.string()).default([]).describe('client addresses (or CIDRs) whose X-Forwarded-* headers are trusted'),
    ai: aiSchema.optional().describe('AI gateway routes: LLM providers behind one OpenAI-compatible API (docs/ai.md)'),
    analytics: z
      .object({ enabled: z.boolean().default(true).describe('record API analytics in the gateway (GET /_portico/analytics, `portico analytics`, `portico top`)') })
      .strict()
      .default({ enabled: true }),
    mcp: gatewayMcpSchema.optional(),
    tls: gatewayTlsSchema.optional().describe('trust for the gateway\'s outgoing TLS: { caFiles: [certs/ca.pem] }'),
  })
  .strict();

/** Where the service's OpenAPI 3.x document is (docs/catalog.md). */
export const openApiSourceSchema = z.union([
  z.literal(false).describe('no document: the catalog lists the service without operations'),
  z.string().min(1).describe('a file in the workspace (JSON or YAML), relative to portico.yaml'),
  z.object({ path: routePath.describe('served by the service, e.g. /openapi.json') }).strict(),
]);

/** A service built from its own Dockerfile (any language), like Compose's `build:`. */
export const buildSchema = z
  .object({
    context: z.string().optional().describe('build context folder, relative to portico.yaml (default: the service path)'),
    dockerfile: z.string().default('Dockerfile').describe('Dockerfile path inside the context'),
    args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}).describe('build arguments (ARG)'),
    target: z.string().optional().describe('stage of a multi-stage Dockerfile to build'),
  })
  .strict();

/** A host folder or file bind-mounted into the service's containers (for development). */
export const mountSchema = z.union([
  z.string().describe('./host/path:/container/path[:ro|:rw], host path relative to portico.yaml'),
  z
    .object({
      source: z.string().describe('host path, relative to portico.yaml'),
      target: z.string().describe('absolute path in the container'),
      readOnly: z.boolean().default(false),
      allowOutside: z.boolean().default(false).describe('allow a source outside the workspace'),
    })
    .strict(),
]);

/** How the gateway reaches an HTTPS service: certificate verified (system store + gateway.tls.caFiles), SNI. */
export const upstreamTlsSchema = z.union([
  z.boolean(),
  z
    .object({
      servername: z.string().min(1).max(253).optional().describe('SNI and certificate name (default: the instance address)'),
      insecureSkipVerify: z.boolean().default(false).describe('skip certificate verification (logged as a warning; never in production)'),
    })
    .strict(),
]);

export const serviceSchema = z
  .object({
    template: z.string().optional().describe('template id the service was created from (built from source)'),
    image: z.string().optional().describe('a prebuilt image instead of a template, e.g. redis:7'),
    build: buildSchema.optional().describe('build the service from its own Dockerfile instead of a template'),
    path: z.string().optional().describe('source folder, relative to portico.yaml (default services/<name>)'),
    port: port.default(3000),
    replicas: z.number().int().min(0).max(20).default(1),
    routes: z.array(routeSchema).default([]),
    health: healthSchema.optional(),
    env: z.record(envVarName, z.union([z.string(), z.number(), z.boolean()])).default({}),
    dependsOn: z.array(dnsLabel).default([]),
    expose: z.array(port).default([]).describe('container ports also published on 127.0.0.1 (same number)'),
    volumes: z.array(z.string()).default([]).describe('named volumes as name:/path'),
    command: z.array(z.string()).optional(),
    resources: z
      .object({
        cpus: z.number().positive().optional().describe('CPU limit, e.g. 0.5'),
        memory: byteSize.optional().describe('memory limit, e.g. 256mb'),
      })
      .strict()
      .optional()
      .describe('resource limits (applied by `portico deploy --target swarm` and `portico export kubernetes`)'),
    openapi: openApiSourceSchema.optional().describe('the OpenAPI document (default for template services: { path: /openapi.json }; none for images)'),
    description: z.string().max(500).optional().describe('one line for the API catalog'),
    owner: z.string().max(200).optional().describe('team or person owning the service (API catalog)'),
    tags: z.array(z.string().max(64)).max(32).optional().describe('labels for the API catalog'),
    envFile: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('dotenv file(s) relative to portico.yaml whose variables go into the containers (values are never printed)'),
    mounts: z.array(mountSchema).default([]).describe('host bind mounts for development, e.g. ./src:/app/src:ro'),
    tls: upstreamTlsSchema.optional().describe('the service speaks HTTPS: the gateway connects with TLS (true, or { servername, insecureSkipVerify })'),
  })
  .strict();

export const manifestSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    name: dnsLabel.describe('project name: prefixes every Docker resource'),
    runtime: z
      .object({
        nodeImage: z.string().default('auto').describe('"auto": node:<major>-slim when available, else built from the host node'),
      })
      .strict()
      .default({ nodeImage: 'auto' }),
    gateway: gatewaySchema.default(() => gatewaySchema.parse({})),
    services: z.record(z.string(), serviceSchema).default({}),
  })
  .strict();

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;
export type ServiceSpec = z.output<typeof serviceSchema>;
export type RouteSpec = z.output<typeof routeSchema>;
export type GatewaySpec = z.output<typeof gatewaySchema>;
export type HealthSpec = z.output<typeof healthSchema>;
export type BuildSpec = z.output<typeof buildSchema>;
export type MountSpec = z.output<typeof mountSchema>;
export type AiSpec = z.output<typeof aiSchema>;
export type AiPromptSpec = z.output<typeof aiPromptSchema>;
export type AiRouteSpec = z.output<typeof aiRouteSchema>;

export function manifestJsonSchema(): object {
  return z.toJSONSchema(manifestSchema, { io: 'input', unrepresentable: 'any' });
}
