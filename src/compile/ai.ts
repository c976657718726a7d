// Manifest `gateway.ai` -> gateway.json (pure): the providers as a top-level `ai` key, and each
// AI route and prompt endpoint as an ordinary gateway route of the pseudo-service `ai` carrying
// an `ai` block. Being ordinary routes, they get routing, auth, CORS and the body limit from the
// core and the other features; the ai feature answers them instead of an upstream service.
import type { AiPromptSpec, AiRouteSpec, AiSpec, GatewaySpec, Manifest } from '../manifest/schema.js';
import { AI_SERVICE, type AiProviderConfig, type AiRouteConfig, type CatalogService, type GatewayConfig, type GatewayRoute } from '../runtime/contract/index.js';
import { normalizeRoutePath } from '../manifest/routes.js';
import { toBytes, toMs } from '../manifest/units.js';

/** Where each kind's public API lives when the manifest gives no baseUrl. */
export const DEFAULT_PROVIDER_URLS: Record<AiProviderConfig['kind'], string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
};

/** The path a prompt endpoint is served on. */
export function promptPath(name: string): string {
  return `/ai/${name}`;
}

export function compileAiProviders(manifest: Manifest): GatewayConfig['ai'] {
  const ai = manifest.gateway.ai;
  if (ai === undefined) return undefined;
  const providers: Record<string, AiProviderConfig> = {};
  for (const [name, p] of Object.entries(ai.providers)) {
    providers[name] = { kind: p.kind, baseUrl: (p.baseUrl ?? DEFAULT_PROVIDER_URLS[p.kind]).replace(/\/+$/, ''), keyEnv: p.keyEnv ?? null };
  }
  return { providers };
}

/** The AI routes, then the prompt endpoints, as gateway routes (`base` supplies the inherited gateway policy). */
export function compileAiRoutes(manifest: Manifest, base: (path: string, gw: GatewaySpec) => Omit<GatewayRoute, 'id' | 'service' | 'path' | 'ai'>): GatewayRoute[] {
  const gw = manifest.gateway;
  const ai = gw.ai;
  if (ai === undefined) return [];
  const routes: GatewayRoute[] = ai.routes.map((r, i) => aiRoute(`${AI_SERVICE}#${i}`, normalizeRoutePath(r.path), r, base, gw, {
    models: { default: r.models.default, allow: [...r.models.allow] },
    prompt: null,
  }));
  for (const [name, p] of Object.entries(ai.prompts)) {
    routes.push({
      ...aiRoute(`${AI_SERVICE}#${name}`, promptPath(name), p, base, gw, {
        models: { default: p.model, allow: [p.model] },
        prompt: { name, description: p.description ?? null, system: p.system ?? null, prompt: p.prompt, inputSchema: p.input },
      }),
      methods: ['POST'],
    });
  }
  return routes;
}

function aiRoute(
  id: string,
  path: string,
  spec: AiRouteSpec | AiPromptSpec,
  base: (path: string, gw: GatewaySpec) => Omit<GatewayRoute, 'id' | 'service' | 'path' | 'ai'>,
  gw: GatewaySpec,
  own: Pick<AiRouteConfig, 'models' | 'prompt'>,
): GatewayRoute {
  return {
    ...base(path, gw),
    id,
    service: AI_SERVICE,
    path,
    methods: ['POST'],
    stripPrefix: false,
    auth: spec.auth,
    cache: null,
    maxBodyBytes: toBytes(spec.maxBodySize ?? gw.maxBodySize),
    ai: {
      ...own,
      fallback: [...spec.fallback],
      tokenLimit: spec.tokenLimit === undefined ? null : { tokens: spec.tokenLimit.tokens, perMs: toMs(spec.tokenLimit.per), by: spec.tokenLimit.by },
      timeoutMs: toMs(spec.timeout),
    },
  };
}

/** The catalog's pseudo-service for AI routes (listed like a service, with its document; MCP makes its operations tools). */
export function aiCatalogService(manifest: Manifest): CatalogService | null {
  const ai = manifest.gateway.ai;
  if (ai === undefined || (ai.routes.length === 0 && Object.keys(ai.prompts).length === 0)) return null;
  return {
    description: 'AI gateway routes: OpenAI-compatible chat completions and prompt endpoints',
    owner: null,
    tags: ['ai'],
    openapi: { source: 'file', file: 'portico.yaml#gateway.ai', document: aiOpenApiDocument(ai), error: null },
  };
}

const ERROR_RESPONSE = {
  description: 'An OpenAI-style error (docs/ai.md, "Errors")',
  content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' }, code: { type: 'string' } } } } } } },
};

/** An OpenAPI 3.1 document of the AI routes and prompt endpoints, as the gateway serves them. */
export function aiOpenApiDocument(ai: AiSpec): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  ai.routes.forEach((r, i) => {
    paths[normalizeRoutePath(r.path)] = {
      post: {
        operationId: `ai_chat_${i}`,
        summary: `Chat completions (OpenAI-compatible; default model ${r.models.default})`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['messages'],
                properties: {
                  model: { type: 'string', default: r.models.default, description: '<provider>/<model>' },
                  messages: { type: 'array', items: { type: 'object', required: ['role'], properties: { role: { type: 'string' }, content: {} } } },
                  stream: { type: 'boolean' },
                },
              },
            },
          },
        },
        responses: { 200: { description: 'A chat completion, or server-sent chunks when stream is true' }, default: ERROR_RESPONSE },
      },
    };
  });
  for (const [name, p] of Object.entries(ai.prompts)) {
    paths[promptPath(name)] = {
      post: {
        operationId: name,
        summary: p.description ?? `Prompt ${name}`,
        requestBody: { required: true, content: { 'application/json': { schema: p.input } } },
        responses: {
          200: {
            description: "The model's answer",
            content: { 'application/json': { schema: { type: 'object', properties: { model: { type: 'string' }, output: { type: 'string' }, usage: { type: 'object' } } } } },
          },
          default: ERROR_RESPONSE,
        },
      },
    };
  }
  return { openapi: '3.1.0', info: { title: 'AI routes', version: '1' }, paths };
}
