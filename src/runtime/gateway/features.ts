// Builds, from one gateway config, the per-route plugins and the hooks the Exchange calls.
// Anything switched off costs nothing per request: its plugin is null or its hook returns early.
import type { GatewayConfig, GatewayRoute } from '../contract/index.js';
import type { Exchange } from './exchange.js';
import type { ExchangeHooks } from './hooks.js';
import type { GatewayLogger } from './log.js';
import { GatewayMetrics, type RouteMetrics } from './metrics.js';
import { NO_PLUGINS, type RoutePlugins } from './plugins.js';
import { TrustedProxies, clientAddress } from './trusted.js';

export interface FeatureOptions {
  env: NodeJS.ProcessEnv;
  logger: GatewayLogger;
  metrics: boolean;
  accessLog: boolean;
}

export interface Features {
  hooks: ExchangeHooks;
  metrics: GatewayMetrics | null;
  pluginsFor(route: GatewayRoute): RoutePlugins;
  close(): void;
}

export function buildFeatures(config: GatewayConfig, options: FeatureOptions, previous: Features | undefined): Features {
  const trusted = new TrustedProxies(config.trustedProxies);
  // Metrics survive reloads: counters must not reset when gateway.json changes.
  const metrics = options.metrics ? (previous?.metrics ?? new GatewayMetrics()) : null;
  const routeMetrics = new Map<string, RouteMetrics>();
  const noRoute = metrics?.forRoute('(none)', '(none)') ?? null;
  const logger = options.logger;
  const accessLog = options.accessLog;

  const hooks: ExchangeHooks = {
    clientIp: (ex) => clientAddress(ex.req.socket.remoteAddress ?? '', ex.forwardedFor, trusted),
    isTrustedProxy: (remote) => trusted.has(remote),
    cors: () => false,
    serveFromCache: () => false,
    responseHeaderSink: () => null,
    onResponseHeaders: () => {},
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
      if (metrics !== null) (ex.route === null ? noRoute : routeMetrics.get(ex.route.id) ?? noRoute)!.observe(status, seconds);
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
          ip: ex.clientIp || ex.req.socket.remoteAddress,
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
    metrics,
    pluginsFor(route) {
      if (metrics !== null) routeMetrics.set(route.id, metrics.forRoute(route.id, route.service));
      return NO_PLUGINS;
    },
    close() {
      metrics?.close();
    },
  };
}
