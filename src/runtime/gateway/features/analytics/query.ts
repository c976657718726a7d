// Reading the store for GET /_portico/analytics: the query string checked, then the window's
// buckets merged into totals, groups, a series and the AI section (histograms merged and their
// percentiles computed per query: admin traffic is rare, requests are not).
import {
  ANALYTICS_GROUP_BY,
  DEFAULT_ANALYTICS_WINDOW,
  parseAnalyticsWindow,
  type AnalyticsAiFallback,
  type AnalyticsAiSection,
  type AnalyticsAiUsage,
  type AnalyticsCounts,
  type AnalyticsDocument,
  type AnalyticsGroup,
  type AnalyticsGroupBy,
  type AnalyticsPoint,
} from '../../../contract/analytics-api.js';
import { summarize } from './histogram.js';
import { HISTORY_BUCKET_SECONDS, NO_MODEL, TUNNEL_CLASS, RECENT_BUCKETS, RECENT_BUCKET_SECONDS, STATUS_CLASSES, Counts, type AnalyticsStore, type Bucket, type Cell, type RouteSlot } from './store.js';

export interface AnalyticsQuery {
  /** As asked, normalized (e.g. "15m"). */
  window: string;
  windowSeconds: number;
  by: AnalyticsGroupBy;
  route: string | null;
  service: string | null;
  consumer: string | null;
}

export function parseAnalyticsQuery(params: URLSearchParams): { query: AnalyticsQuery } | { error: string } {
  const window = params.get('window') ?? DEFAULT_ANALYTICS_WINDOW;
  const windowSeconds = parseAnalyticsWindow(window);
  if (windowSeconds === null) return { error: `window must be a duration from 1m to 24h such as 5m, 15m, 1h or 24h (got "${window}")` };
  const by = params.get('by') ?? 'route';
  if (!(ANALYTICS_GROUP_BY as readonly string[]).includes(by)) return { error: `by must be one of ${ANALYTICS_GROUP_BY.join(', ')} (got "${by}")` };
  return { query: { window, windowSeconds, by: by as AnalyticsGroupBy, route: params.get('route'), service: params.get('service'), consumer: params.get('consumer') } };
}

class Accumulator extends Counts {
  readonly statusClasses = [0, 0, 0, 0, 0];
  /** Requests in the last complete 10 s bucket and the open one. */
  recentRequests = 0;
  /** Tunnels open now (the routes' gauges). */
  openTunnels = 0;

  constructor() {
    super(true);
  }

  add(cell: Cell): void {
    this.addFrom(cell);
    this.statusClasses[cell.statusClass] += cell.requests;
  }

  counts(rateSeconds: number): AnalyticsCounts {
    const { requests, errors, rateLimited, cacheHits, bytesIn, bytesOut, upstreamErrors } = this;
    const ratePerSecond = Math.round((this.recentRequests / rateSeconds) * 100) / 100;
    const tunnels = { upgrades: this.upgrades, open: this.openTunnels, closed: this.tunnelsClosed, bytesIn: this.tunnelBytesIn, bytesOut: this.tunnelBytesOut, durationMs: summarize(this.tunnelDuration, 1) };
    const ai = { requests: this.aiRequests, inputTokens: this.inputTokens, outputTokens: this.outputTokens, fallbacks: this.aiFallbacks };
    return { requests, errors, rateLimited, cacheHits, bytesIn, bytesOut, upstreamErrors, latencyMs: summarize(this.latency), tunnels, ai, ratePerSecond };
  }
}

/** "(none)" for requests that were not AI calls, as for requests that matched no route. */
function modelKey(store: AnalyticsStore, model: number): string {
  if (model === NO_MODEL) return '(none)';
  const m = store.models[model];
  return `${m.provider}/${m.model}`;
}

function keyOf(store: AnalyticsStore, by: AnalyticsGroupBy, route: RouteSlot, consumer: string, statusClass: number, model: number): string {
  switch (by) {
    case 'route':
      return route.id;
    case 'service':
      return route.service;
    case 'consumer':
      return consumer;
    case 'status':
      return STATUS_CLASSES[statusClass];
    case 'model':
      return modelKey(store, model);
  }
}

function groupKey(store: AnalyticsStore, cell: Cell, by: AnalyticsGroupBy): string {
  return keyOf(store, by, cell.route, cell.consumer, cell.statusClass, cell.model);
}

function routeMatches(route: RouteSlot, q: AnalyticsQuery): boolean {
  return (q.route === null || route.id === q.route) && (q.service === null || route.service === q.service);
}

function matches(cell: Cell, q: AnalyticsQuery): boolean {
  return routeMatches(cell.route, q) && (q.consumer === null || cell.consumer === q.consumer);
}

/** The window's AI usage rows and fallback hops (cells with a model; hops of the matching routes). */
function aiSection(store: AnalyticsStore, q: AnalyticsQuery, buckets: readonly Bucket[]): AnalyticsAiSection {
  const usage = new Map<string, AnalyticsAiUsage>();
  const hops = new Map<string, AnalyticsAiFallback>();
  for (const bucket of buckets) {
    for (const cell of bucket.allCells()) {
      if (cell.model === NO_MODEL || cell.aiRequests === 0 || !matches(cell, q)) continue;
      const { provider, model } = store.models[cell.model];
      const key = `${cell.route.index}\u0000${cell.consumer}\u0000${cell.model}`;
      let row = usage.get(key);
      if (row === undefined) usage.set(key, (row = { route: cell.route.id, service: cell.route.service, consumer: cell.consumer, provider, model, requests: 0, inputTokens: 0, outputTokens: 0, fallbacks: 0 }));
      row.requests += cell.aiRequests;
      row.inputTokens += cell.inputTokens;
      row.outputTokens += cell.outputTokens;
      row.fallbacks += cell.aiFallbacks;
    }
    // Hops are per route (a consumer filter does not apply to them).
    for (const hop of bucket.fallbacks.values()) {
      if (!routeMatches(hop.route, q)) continue;
      const key = `${hop.route.index}\u0000${hop.from}\u0000${hop.to}`;
      let row = hops.get(key);
      if (row === undefined) hops.set(key, (row = { route: hop.route.id, from: modelKey(store, hop.from), to: modelKey(store, hop.to), count: 0 }));
      row.count += hop.count;
    }
  }
  const tokens = (r: AnalyticsAiUsage) => r.inputTokens + r.outputTokens;
  return {
    usage: [...usage.values()].sort((a, b) => tokens(b) - tokens(a) || b.requests - a.requests),
    fallbacks: [...hops.values()].sort((a, b) => b.count - a.count),
  };
}

/** The document for `q` at time `now` (unix ms). */
export function queryAnalytics(store: AnalyticsStore, q: AnalyticsQuery, now: number): AnalyticsDocument {
  const historical = q.windowSeconds > RECENT_BUCKETS * RECENT_BUCKET_SECONDS;
  const bucketSeconds = historical ? HISTORY_BUCKET_SECONDS : RECENT_BUCKET_SECONDS;
  const length = bucketSeconds * 1000;
  const count = Math.ceil(q.windowSeconds / bucketSeconds);
  const last = now - (now % length);
  const first = last - (count - 1) * length;
  const open = store.open(now);
  // The history tier has the closed 10 s buckets; the open one joins its minute here.
  const sources: Bucket[] = historical ? [...store.history, ...(open === null ? [] : [open])] : store.recent;
  const inWindow: Bucket[] = [];

  const totals = new Accumulator();
  const groups = new Map<string, Accumulator>();
  const points: Accumulator[] = Array.from({ length: count }, () => new Accumulator());
  for (const bucket of sources) {
    const slot = Math.floor((bucket.start - first) / length);
    if (slot < 0 || slot >= count) continue;
    inWindow.push(bucket);
    for (const cell of bucket.allCells()) {
      if (!matches(cell, q)) continue;
      totals.add(cell);
      points[slot].add(cell);
      const key = groupKey(store, cell, q.by);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = new Accumulator()));
      group.add(cell);
    }
  }

  // The live rate, from the recent tier whatever the window's tier.
  const rateLength = RECENT_BUCKET_SECONDS * 1000;
  const rateFrom = now - (now % rateLength) - rateLength;
  const rateSeconds = Math.max(1, (now - rateFrom) / 1000);
  for (let i = store.recent.length - 1; i >= 0 && store.recent[i].start >= rateFrom; i--) {
    for (const cell of store.recent[i].allCells()) {
      if (!matches(cell, q)) continue;
      totals.recentRequests += cell.requests;
      const group = groups.get(groupKey(store, cell, q.by));
      if (group !== undefined) group.recentRequests += cell.requests;
    }
  }

  // Tunnels open now, from the routes' gauges: their series is the upgrade's (1xx, no model).
  for (const route of store.routeSlots()) {
    if (!routeMatches(route, q)) continue;
    for (const [consumer, open] of route.openTunnels) {
      if (q.consumer !== null && consumer !== q.consumer) continue;
      totals.openTunnels += open;
      const key = keyOf(store, q.by, route, consumer, TUNNEL_CLASS, NO_MODEL);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = new Accumulator()));
      group.openTunnels += open;
    }
  }

  const groupList: AnalyticsGroup[] = [...groups].map(([key, acc]) => {
    const c = acc.statusClasses;
    return { key, ...acc.counts(rateSeconds), statusClasses: { '1xx': c[0], '2xx': c[1], '3xx': c[2], '4xx': c[3], '5xx': c[4] } };
  });
  groupList.sort((a, b) => b.requests - a.requests || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const series: AnalyticsPoint[] = points.map((acc, i) => {
    const l = summarize(acc.latency);
    return { t: (first + i * length) / 1000, requests: acc.requests, errors: acc.errors, p50: l.p50, p95: l.p95, p99: l.p99 };
  });
  return {
    window: q.window,
    by: q.by,
    bucketSeconds,
    from: new Date(first).toISOString(),
    to: new Date(now).toISOString(),
    filters: { route: q.route, service: q.service, consumer: q.consumer },
    totals: totals.counts(rateSeconds),
    groups: groupList,
    series,
    ai: aiSection(store, q, inWindow),
  };
}
