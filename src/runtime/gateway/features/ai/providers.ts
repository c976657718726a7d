// The LLM providers of a config (gateway.json `ai.providers`): per provider a keep-alive pool
// (TLS for https:// base URLs: verified against the root store + NODE_EXTRA_CA_CERTS, SNI = the
// host), its key from the environment, and how a chat request is written in its wire format.
// The gateway builds provider requests from scratch, so a client's own headers (Authorization,
// cookies, x-api-key) never reach a provider.
import type { AiProviderConfig } from '../../../contract/index.js';
import { RequestBody } from '../../http1/body.js';
import { UpstreamPool } from '../../http1/upstream-pool.js';
import { toAnthropicRequest } from './anthropic.js';
import type { ChatRequest } from './wire.js';

/** Anthropic's API version header (https://docs.anthropic.com/en/api/versioning). */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface Provider {
  readonly name: string;
  readonly kind: AiProviderConfig['kind'];
  readonly pool: UpstreamPool;
  /** The key's value (null: none configured or the variable is unset); never logged or answered. */
  readonly key: string | null;
  readonly keyEnv: string | null;
  /** The base URL's path (`/v1`) and host (the Host header). */
  readonly basePath: string;
  readonly host: string;
}

/** A provider request: what the pool sends. */
export interface ProviderRequest {
  path: string;
  headers: string[];
  body: RequestBody;
}

export function openProvider(name: string, config: AiProviderConfig, env: NodeJS.ProcessEnv, tlsCa: readonly string[] | undefined): Provider {
  const url = new URL(config.baseUrl);
  const https = url.protocol === 'https:';
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  const address = url.hostname.replace(/^\[|\]$/g, '');
  const pool = new UpstreamPool(address, port, {
    connectTimeoutMs: 10_000,
    maxConnections: 256,
    idleTimeoutMs: 30_000,
    tls: https ? { ca: tlsCa } : null,
  });
  const key = config.keyEnv === null ? null : (env[config.keyEnv] ?? null) || null;
  return { name, kind: config.kind, pool, key, keyEnv: config.keyEnv, basePath: url.pathname.replace(/\/+$/, ''), host: url.host };
}

const NO_SOURCE = { pause() {}, resume() {} };

function jsonBody(value: unknown): RequestBody {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  const body = new RequestBody(false, bytes.length, NO_SOURCE);
  body.onChunk(bytes);
  body.finish();
  return body;
}

/** The chat request in the provider's wire format, for its model `model`. */
export function providerRequest(p: Provider, req: ChatRequest, model: string): ProviderRequest {
  const stream = req.stream === true;
  const headers = ['host', p.host, 'content-type', 'application/json', 'accept', stream ? 'text/event-stream' : 'application/json', 'user-agent', 'portico-gateway'];
  if (p.kind === 'anthropic') {
    if (p.key !== null) headers.push('x-api-key', p.key);
    headers.push('anthropic-version', ANTHROPIC_VERSION);
    return { path: `${p.basePath}/messages`, headers, body: jsonBody(toAnthropicRequest(req, model)) };
  }
  if (p.key !== null) headers.push('authorization', `Bearer ${p.key}`);
  // The final usage chunk is asked for always (token accounting); it is dropped on the way back
  // when the client did not ask for it.
  const body: ChatRequest = stream ? { ...req, model, stream_options: { ...req.stream_options, include_usage: true } } : { ...req, model };
  return { path: `${p.basePath}/chat/completions`, headers, body: jsonBody(body) };
}

/** `text` with the provider key replaced, for anything relayed from a provider (errors may echo it). */
export function scrubKey(p: Provider, text: string): string {
  return p.key === null || p.key.length < 4 ? text : text.split(p.key).join('***');
}
