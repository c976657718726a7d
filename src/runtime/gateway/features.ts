// Builds, from one gateway config, the per-route plugins and the hooks the Exchange calls.
// Anything switched off costs nothing per request: its plugin is null or its hook returns early.
import type { GatewayConfig, GatewayRoute } from '../contract/index.js';
import { buildAuthenticator, type Authenticator } from './auth.js';
import { ResponseCache } from './cache.js';
import { CacheFlow } from './cache-flow.js';
import { CompiledCors } from './cors.js';
import type { Exchange } from './exchange.js';
import type { ExchangeHooks } from './hooks.js';
import type { GatewayLogger } from './log.js';
import type { GatewayMetrics, RouteMetrics } from './metrics.js';
import type { RoutePlugins } from './plugins.js';
import { TokenBucketLimiter } from './ratelimit.js';
import { TrustedProxies, clientAddress } from './trusted.js';

export interface FeatureOptions {
  env: NodeJS.ProcessEnv;
  logger: GatewayLogger;
  metrics: boolean;
  accessLog: boolean;
}

/**
 * Modules only some configs need, loaded on demand so a gateway that does not use them never
 * pays their memory and start-up time: the metrics module and jose (JWT).
 */
export interface LazyModules {
  metrics: typeof import('./metrics.js') | null;
  jwt: typeof import('./jwt.js') | null;
}

export async function loadLazyModules(config: GatewayConfig, metricsOn: boolean): Promise<LazyModules> {
  const needsJwt = config.auth.jwt !== null && config.routes.some((r) => r.auth !== 'none');
  const [metrics, jwt] = await Promise.all([metricsOn ? import('./metrics.js') : null, needsJwt ? import('./jwt.js') : null]);
  return { metrics, jwt };
}

export interface Features {
  hooks: ExchangeHooks;
  /** Rate limiters by route id, so a reload with the same policy keeps the buckets. */
  limiters: Map<string, TokenBucketLimiter>;
  metrics: GatewayMetrics | null;
  cache: ResponseCache;
  pluginsFor(route: GatewayRoute): RoutePlugins;
  close(): void;
}

const SWEEP_EVERY_MS = 30_000;

export function buildFeatures(config: GatewayConfig, options: FeatureOptions, previous: Features | undefined, modules: LazyModules): Features {
  const trusted = new TrustedProxies(config.trustedProxies);
  // Metrics survive reloads: counters must not reset when gateway.json changes.
  const metrics = modules.metrics === null ? null : (previous?.metrics ?? new modules.metrics.GatewayMetrics());
  const routeMetrics = new Map<string, RouteMetrics>();
  const noRoute = metrics?.forRoute('(none)', '(none)') ?? null;
  const logger = options.logger;
  const accessLog = options.accessLog;
  const needsAuth = config.routes.some((r) => r.auth !== 'none');
  const jwt = needsAuth && config.auth.jwt !== null && modules.jwt !== null ? new modules.jwt.JwtVerifier(config.auth.jwt, options.env) : null;
  const authenticator: Authenticator | null = needsAuth ? buildAuthenticator(config, options.env, logger, jwt) : null;
  const cache = new ResponseCache(config.cacheMaxBytes);
  const cacheFlow = new CacheFlow(cache, metrics);
  const limiters = new Map<string, TokenBucketLimiter>();
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const l of limiters.values()) l.sweep(now);
  }, SWEEP_EVERY_MS);
  sweeper.unref();

  const hooks: ExchangeHooks = {
    clientIp: (ex) => clientAddress(ex.req.session.remoteAddress, ex.forwardedFor, trusted),
    isTrustedProxy: (remote) => trusted.has(remote),
    cors: (ex, compiled, preflight) => {
      const cors = compiled as CompiledCors;
      if (!preflight) {
        cors.actualHeaders(ex.origin!, ex.responseExtras);
        return false;
      }
      const method = ex.req.headers['access-control-request-method']!; // present: that made it a preflight
      const answer = cors.preflight(ex.origin!, method, ex.req.headers['access-control-request-headers']);
      ex.status = answer.status;
      const headers = answer.headers.concat(ex.responseExtras, ['content-length', '0']);
      ex.res.writeHead(answer.status, headers);
      ex.res.end();
      hooks.finished(ex);
      return true;
    },
    serveFromCache: (ex, policy) => cacheFlow.serve(ex, policy.ttlMs),
    onResponseHeaders: (ex, status, headers) => cacheFlow.onResponseHeaders(ex, status, headers),
    rateLimited: (ex) => {
      if (metrics !== null && ex.route !== null) metrics.rateLimited.inc({ route: ex.route.id });
    },
    upstreamError: (ex, code) => {
      if (metrics !== null && ex.route !== null) metrics.upstreamErrors.inc({ route: ex.route.id, service: ex.route.upstream.name, code: code || 'unknown' });
    },
    finished: (ex: Exchange) => {
      if (metrics === null && !accessLog) return;
      const seconds = (performance.now() - ex.startedAt) / 1000;
      const status = ex.status || ex.res.statusCode;
      if (metrics !== null) (ex.route === null ? noRoute : (routeMetrics.get(ex.route.id) ?? noRoute))!.observe(status, seconds);
      if (accessLog) {
        logger.info({
          reqId: ex.requestId,
          method: ex.req.method,
          url: ex.req.url,
          route: ex.route?.id ?? null,
          service: ex.route?.upstream.name ?? null,
          instance: ex.endpoint?.id ?? null,
          status,
          ms: Math.round(seconds * 1e6) / 1e3,
          ip: ex.clientIp || ex.req.session.remoteAddress,
          attempts: ex.attempts,
          cache: ex.cacheStatus,
          error: ex.errorKind,
          completed: ex.res.writableFinished,
        });
      }
    },
  };

  return {
    hooks,
    limiters,
    metrics,
    cache,
    pluginsFor(route) {
      if (metrics !== null) routeMetrics.set(route.id, metrics.forRoute(route.id, route.service));
      let rateLimit: TokenBucketLimiter | null = null;
      if (route.rateLimit !== null) {
        const kept = previous?.limiters.get(route.id);
        rateLimit = kept !== undefined && samePolicy(kept.policy, route.rateLimit) ? kept : new TokenBucketLimiter(route.rateLimit);
        limiters.set(route.id, rateLimit);
      }
      return {
        auth: route.auth === 'none' ? null : authenticator,
        rateLimit,
        cache: route.cache,
        cors: route.cors === null ? null : new CompiledCors(route.cors),
      };
    },
    close() {
      clearInterval(sweeper);
      cache.clear();
    },
  };
}

function samePolicy(a: GatewayRoute['rateLimit'], b: GatewayRoute['rateLimit']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
