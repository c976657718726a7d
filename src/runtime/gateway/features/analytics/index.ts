// API analytics (docs/analytics.md): the log phase records each request into the in-memory
// store (store.ts) by route, consumer, method and status class, counting what metrics counts
// from the exchange (429s, cache hits, upstream errors), so the numbers agree with
// /_portico/metrics; the admin endpoint GET /_portico/analytics reads it (query.ts). On when
// gateway.json says `analytics: { enabled: true }`, which the compiler writes unless the
// manifest turns it off (`gateway.analytics.enabled: false`). The store carries over across reloads.
import { ANALYTICS_PATH } from '../../../contract/analytics-api.js';
import type { Exchange } from '../../exchange.js';
import { GatewayErrors } from '../../errors.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { Feature, FeatureInstance, LogHandler } from '../types.js';
import type { AnalyticsStore, Observation, RouteSlot } from './store.js';

interface AnalyticsInstance extends FeatureInstance {
  readonly store: AnalyticsStore;
}

const RATE_LIMITED = GatewayErrors.tooManyRequests.error;
const ANONYMOUS = 'anonymous';

/** One reused observation: the log phase runs synchronously, so nothing is allocated per request. */
const observation: Observation = { consumer: ANONYMOUS, method: 'GET', status: 0, latencyUs: 0, bytesIn: 0, bytesOut: 0, rateLimited: false, cacheHit: false, upstreamErrors: 0 };

function logInto(store: AnalyticsStore, slot: RouteSlot): LogHandler {
  return (ex: Exchange, status: number, seconds: number) => {
    const o = observation;
    o.consumer = ex.identity === null ? ANONYMOUS : ex.identity.consumer;
    o.method = ex.req.method;
    o.status = status;
    o.latencyUs = seconds * 1e6;
    o.bytesIn = ex.req.body === null ? 0 : ex.req.body.received;
    o.bytesOut = ex.res.bodyBytes;
    o.rateLimited = ex.errorKind === RATE_LIMITED;
    o.cacheHit = ex.cacheResult === 'hit';
    o.upstreamErrors = ex.upstreamErrors === null ? 0 : ex.upstreamErrors.length;
    // The exchange's own timing (performance.now() at its start) dates it: no clock read here.
    store.record(slot, o, performance.timeOrigin + ex.startedAt + seconds * 1000);
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
      forRoute: (route) => ({ log: logInto(store, store.routeSlot(route.id, route.service)) }),
      unrouted: () => ({ log: unrouted }),
      endpoints: [{ path: ANALYTICS_PATH, access: 'admin', handle: (req: HttpRequest, res: HttpResponse) => handleAnalyticsRequest(req, res, store) }],
      close(final) {
        if (final) store.clear();
      },
    };
  },
};
