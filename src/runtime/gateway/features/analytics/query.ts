// Reading the store for GET /_portico/analytics: the query string checked, then the window's
// buckets merged into totals, groups and a series (histograms merged per query: admin traffic
// is rare, requests are not).
import { ANALYTICS_GROUP_BY, DEFAULT_ANALYTICS_WINDOW, parseAnalyticsWindow, type AnalyticsCounts, type AnalyticsDocument, type AnalyticsGroup, type AnalyticsGroupBy, type AnalyticsPoint } from '../../../contract/analytics-api.js';
import { summarize } from './histogram.js';
import { HISTORY_BUCKET_SECONDS, RECENT_BUCKETS, RECENT_BUCKET_SECONDS, STATUS_CLASSES, Counts, type AnalyticsStore, type Bucket, type Cell } from './store.js';

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

  add(cell: Cell): void {
    this.addFrom(cell);
    this.statusClasses[cell.statusClass] += cell.requests;
  }

  counts(rateSeconds: number): AnalyticsCounts {
    const { requests, errors, rateLimited, cacheHits, bytesIn, bytesOut, upstreamErrors } = this;
    const ratePerSecond = Math.round((this.recentRequests / rateSeconds) * 100) / 100;
    return { requests, errors, rateLimited, cacheHits, bytesIn, bytesOut, upstreamErrors, latencyMs: summarize(this.latency), ratePerSecond };
  }
}

function groupKey(cell: Cell, by: AnalyticsGroupBy): string {
  switch (by) {
    case 'route':
      return cell.route.id;
    case 'service':
      return cell.route.service;
    case 'consumer':
      return cell.consumer;
    case 'status':
      return STATUS_CLASSES[cell.statusClass];
  }
}

function matches(cell: Cell, q: AnalyticsQuery): boolean {
  return (q.route === null || cell.route.id === q.route) && (q.service === null || cell.route.service === q.service) && (q.consumer === null || cell.consumer === q.consumer);
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

  const totals = new Accumulator();
  const groups = new Map<string, Accumulator>();
  const points: Accumulator[] = Array.from({ length: count }, () => new Accumulator());
  for (const bucket of sources) {
    const slot = Math.floor((bucket.start - first) / length);
    if (slot < 0 || slot >= count) continue;
    for (const cell of bucket.allCells()) {
      if (!matches(cell, q)) continue;
      totals.add(cell);
      points[slot].add(cell);
      const key = groupKey(cell, q.by);
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
      const group = groups.get(groupKey(cell, q.by));
      if (group !== undefined) group.recentRequests += cell.requests;
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
  };
}
