// The seams between the Exchange (request flow) and the gateway's feature modules. The gateway
// builds one hooks object per config; each method is cheap or a no-op when the feature is off.
import type { Exchange } from './exchange.js';
import type { CompiledCorsLike, RoutePlugins } from './plugins.js';

export interface ExchangeHooks {
  /** Client IP for rate limiting and logs (X-Forwarded-For honoured only from trusted proxies). */
  clientIp(ex: Exchange): string;
  isTrustedProxy(remoteAddress: string): boolean;
  /** Adds CORS headers; returns true when it answered a preflight itself. */
  cors(ex: Exchange, cors: CompiledCorsLike, preflight: boolean): boolean;
  /** Returns true when it answered from cache. */
  serveFromCache(ex: Exchange, cache: NonNullable<RoutePlugins['cache']>): boolean;
  /** Last chance to add headers (x-cache) and start capturing a cacheable body. */
  onResponseHeaders(ex: Exchange, status: number, headers: string[]): void;
  rateLimited(ex: Exchange): void;
  upstreamError(ex: Exchange, code: string): void;
  /** Once per request, when the answer is complete (metrics, access log). */
  finished(ex: Exchange): void;
}
