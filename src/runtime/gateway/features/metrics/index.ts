// Prometheus metrics at /_portico/metrics (on unless PORTICO_METRICS=off). The log phase counts
// each request by route and status, and what other features recorded on the exchange (429s,
// cache results, upstream errors), so no feature calls another. Series are resolved per route at
// config load, and the counters survive reloads: the next config's instance takes them over.
// The metrics module is loaded only when metrics are on.
import type { Exchange } from '../../exchange.js';
import { GatewayErrors } from '../../errors.js';
import type { Feature, FeatureInstance, LogHandler } from '../types.js';
import type { GatewayMetrics, RouteMetrics } from './metrics.js';

interface MetricsInstance extends FeatureInstance {
  readonly metrics: GatewayMetrics;
}

const RATE_LIMITED = GatewayErrors.tooManyRequests.error;

function countOutcome(metrics: GatewayMetrics, ex: Exchange): void {
  const route = ex.route!;
  if (ex.errorKind === RATE_LIMITED) metrics.rateLimited.inc({ route: route.id });
  if (ex.cacheResult !== null) metrics.cache.inc({ route: route.id, result: ex.cacheResult });
  const codes = ex.upstreamErrors;
  if (codes !== null) for (const code of codes) metrics.upstreamErrors.inc({ route: route.id, service: route.upstream.name, code: code || 'unknown' });
  const ai = ex.ai;
  if (ai !== null) {
    const labels = { route: route.id, consumer: ai.consumer, provider: ai.provider, model: ai.model };
    metrics.aiTokens.inc({ ...labels, direction: 'input' }, ai.inputTokens);
    metrics.aiTokens.inc({ ...labels, direction: 'output' }, ai.outputTokens);
    metrics.aiRequests.inc({ route: route.id, provider: ai.provider, model: ai.model, fallback: ai.fallbacks.length > 0 ? 'true' : 'false' });
  }
}

function logInto(metrics: GatewayMetrics, series: RouteMetrics, outcomes: boolean): LogHandler {
  return outcomes
    ? (ex, status, seconds) => {
        series.observe(status, seconds);
        countOutcome(metrics, ex);
      }
    : (_ex, status, seconds) => series.observe(status, seconds);
}

export const metrics: Feature<MetricsInstance> = {
  name: 'metrics',
  slice: { gateway: [], route: [] },
  priority: 13,
  async configure(_config, ctx, previous) {
    if (!ctx.switches.metrics) return null;
    const { GatewayMetrics } = await import('./metrics.js');
    const metrics = previous?.metrics ?? new GatewayMetrics();
    // Requests matching no route are counted as route "(none)".
    const unrouted = logInto(metrics, metrics.forRoute('(none)', '(none)'), false);
    return {
      metrics,
      forRoute: (route) => {
        const series = metrics.forRoute(route.id, route.service);
        return {
          log: logInto(metrics, series, true),
          tunnel: { opened: () => series.tunnelOpened(), closed: (_ex, totals) => series.tunnelClosed(totals) },
        };
      },
      unrouted: () => ({ log: unrouted }),
      breakerChanged: (service, state) => metrics.breakerState(service, state),
      endpoints: [
        {
          path: '/_portico/metrics',
          access: 'public',
          handle(_req, res) {
            metrics.render().then(
              ({ contentType, body }) => {
                res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
                res.end(body);
              },
              () => {
                res.writeHead(500, { 'content-type': 'application/json' });
                res.end('{"error":"metrics_failed","message":"metrics could not be collected"}');
              },
            );
          },
        },
      ],
      close(final) {
        if (final) metrics.close();
      },
    };
  },
};
