// API analytics (docs/analytics.md): the log phase records each request into the in-memory
// store (store.ts) by route, consumer, method and status class, counting what metrics counts
// from the exchange (429s, cache hits, upstream errors, an AI call's model, tokens and
// fallbacks), so the numbers agree with /_portico/metrics; the tunnel phase counts WebSocket
// tunnels (opened, open now, bytes and duration when they close); the admin endpoint GET /_portico/analytics reads it (query.ts). On when
// gateway.json says `analytics: { enabled: true }`, which the compiler writes unless the
// manifest turns it off (`gateway.analytics.enabled: false`). The store carries over across reloads.
import { ANALYTICS_PATH } from '../../../contract/analytics-api.js';
import type { Exchange } from '../../exchange.js';
import { GatewayErrors } from '../../errors.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { Feature, FeatureInstance, LogHandler, TunnelHandler } from '../types.js';
import type { AnalyticsStore, Observation, RouteSlot } from './store.js';

interface AnalyticsInstance extends FeatureInstance {
  readonly store: AnalyticsStore;
}

const RATE_LIMITED = GatewayErrors.tooManyRequests.error;
/** Read once: a getter (~30 ns a read) whose value never changes. (store.ts is loaded lazily, so not its copy.) */
const TIME_ORIGIN = performance.timeOrigin;
const ANONYMOUS = 'anonymous';

/** One reused observation: the log phase runs synchronously, so nothing is allocated per request. */
const observation: Observation = { consumer: ANONYMOUS, method: 'GET', status: 0, latencyUs: 0, bytesIn: 0, bytesOut: 0, rateLimited: false, cacheHit: false, upstreamErrors: 0, ai: null };

function logInto(store: AnalyticsStore, slot: RouteSlot): LogHandler {
  return (ex: Exchange, status: number, seconds: number) => {
    const o = observation;
    o.consumer = consumerOf(ex);
    o.method = ex.req.method;
    o.status = status;
    o.latencyUs = seconds * 1e6;
    o.bytesIn = ex.req.body === null ? 0 : ex.req.body.received;
    o.bytesOut = ex.res.bodyBytes;
    o.rateLimited = ex.errorKind === RATE_LIMITED;
    o.cacheHit = ex.cacheResult === 'hit';
    o.upstreamErrors = ex.upstreamErrors === null ? 0 : ex.upstreamErrors.length;
    o.ai = ex.ai;
    // The exchange's own timing (performance.now() at its start) dates it: no clock read here.
    store.record(slot, o, TIME_ORIGIN + ex.startedAt + seconds * 1000);
  };
}

function consumerOf(ex: Exchange): string {
  return ex.identity === null ? ANONYMOUS : ex.identity.consumer;
}

function tunnelsInto(store: AnalyticsStore, slot: RouteSlot): TunnelHandler {
  // Tunnels are few and long-lived: these read the clock themselves.
  return {
    opened: (ex) => store.tunnelOpened(slot, consumerOf(ex)),
    closed: (ex, totals) => store.tunnelClosed(slot, consumerOf(ex), totals),
  };
}

export const analytics: Feature<AnalyticsInstance> = {
  name: 'analytics',
  slice: { gateway: ['analytics'], route: [] },
  priority: 12,
  async configure(config, _ctx, previous) {
    if (config.analytics?.enabled !== true) return null;
    // Loaded only when analytics are on (the histogram library with them).
    const [{ AnalyticsStore }, { handleAnalyticsRequest }] = await Promise.all([import('./store.js'), import('./endpoint.js')]);
    const store = previous?.store ?? new AnalyticsStore();
    // Requests matching no route are counted as route "(none)", as metrics does.
    const unrouted = logInto(store, store.routeSlot('(none)', '(none)'));
    return {
      store,
      forRoute: (route) => {
        const slot = store.routeSlot(route.id, route.service);
        return { log: logInto(store, slot), tunnel: tunnelsInto(store, slot) };
      },
      unrouted: () => ({ log: unrouted }),
      endpoints: [{ path: ANALYTICS_PATH, access: 'admin', handle: (req: HttpRequest, res: HttpResponse) => handleAnalyticsRequest(req, res, store) }],
      close(final) {
        if (final) store.clear();
      },
    };
  },
};
