// The analytics store (src/runtime/gateway/features/analytics): bucketing and rotation, the
// window's tier, the caps that bound memory, and percentiles against known distributions.
import { describe, expect, it } from 'vitest';
import { HISTOGRAM_MAX_BYTES, MAX_LATENCY_US, newHistogram, recordLatency, summarize } from '../../src/runtime/gateway/features/analytics/histogram.js';
import { parseAnalyticsWindow as parseWindow } from '../../src/runtime/contract/analytics-api.js';
import { parseAnalyticsQuery, queryAnalytics, type AnalyticsQuery } from '../../src/runtime/gateway/features/analytics/query.js';
import {
  AnalyticsStore,
  HISTORY_BUCKETS,
  MAX_CELLS,
  MAX_CELLS_PER_BUCKET,
  MAX_CONSUMERS_PER_BUCKET,
  RECENT_BUCKETS,
  type Observation,
} from '../../src/runtime/gateway/features/analytics/store.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // on a minute boundary

function obs(partial: Partial<Observation> = {}): Observation {
  return { consumer: 'anonymous', method: 'GET', status: 200, latencyUs: 1000, bytesIn: 0, bytesOut: 10, rateLimited: false, cacheHit: false, upstreamErrors: 0, ...partial };
}

function query(partial: Partial<AnalyticsQuery> = {}): AnalyticsQuery {
  return { window: '15m', windowSeconds: 900, by: 'route', route: null, service: null, consumer: null, ...partial };
}

function clockStore(): { store: AnalyticsStore; at(ms: number): void } {
  let now = T0;
  return { store: new AnalyticsStore(() => now), at: (ms) => void (now = ms) };
}

describe('analytics buckets', () => {
  it('counts per route, consumer and status class in 10 s buckets, empty buckets included in the series', () => {
    const { store, at } = clockStore();
    const users = store.routeSlot('users#0', 'users');
    const orders = store.routeSlot('orders#0', 'orders');
    store.record(users, obs({ consumer: 'alice' }));
    store.record(users, obs({ consumer: 'alice', status: 503 }));
    at(T0 + 25_000);
    store.record(orders, obs({ consumer: 'bob', status: 429, rateLimited: true, bytesIn: 5 }));
    store.record(orders, obs({ cacheHit: true }));
    const doc = queryAnalytics(store, query({ window: '1m', windowSeconds: 60 }), T0 + 29_000);
    expect(doc.bucketSeconds).toBe(10);
    expect(doc.series).toHaveLength(6);
    expect(doc.series.map((p) => p.requests)).toEqual([0, 0, 0, 2, 0, 2]);
    expect(doc.series[3].t).toBe(T0 / 1000);
    expect(doc.series[3].errors).toBe(1);
    expect(doc.totals).toMatchObject({ requests: 4, errors: 1, rateLimited: 1, cacheHits: 1, bytesIn: 5, bytesOut: 40 });
    expect(doc.groups.map((g) => [g.key, g.requests])).toEqual([['orders#0', 2], ['users#0', 2]]);
    // The live rate: the last complete bucket (empty) and the open one (2 requests) over 19 s.
    expect(doc.totals.ratePerSecond).toBe(0.11);
    expect(doc.groups[0].ratePerSecond).toBe(0.11);
    expect(doc.groups[1].ratePerSecond).toBe(0);
    expect(doc.groups[1].statusClasses).toEqual({ '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 1 });
    const byConsumer = queryAnalytics(store, query({ by: 'consumer' }), T0 + 29_000);
    expect(byConsumer.groups.map((g) => [g.key, g.requests])).toEqual([['alice', 2], ['anonymous', 1], ['bob', 1]]);
    const byStatus = queryAnalytics(store, query({ by: 'status', service: 'orders' }), T0 + 29_000);
    expect(byStatus.groups.map((g) => [g.key, g.requests])).toEqual([['2xx', 1], ['4xx', 1]]);
    expect(queryAnalytics(store, query({ consumer: 'alice' }), T0 + 29_000).totals.requests).toBe(2);
  });

  it('rolls closed 10 s buckets into minutes: windows over 1 h read 60 s buckets, without losing the open bucket', () => {
    const { store, at } = clockStore();
    const r = store.routeSlot('r#0', 'r');
    for (let s = 0; s < 120; s += 5) {
      at(T0 + s * 1000);
      store.record(r, obs());
    }
    const doc = queryAnalytics(store, query({ window: '2h', windowSeconds: 7200 }), T0 + 119_000);
    expect(doc.bucketSeconds).toBe(60);
    expect(doc.series).toHaveLength(120);
    expect(doc.series.slice(-2).map((p) => p.requests)).toEqual([12, 12]);
    expect(doc.totals.requests).toBe(24);
    expect(store.history.every((b) => b.start % 60_000 === 0)).toBe(true);
  });

  it('forgets 10 s buckets after an hour and minutes after 24 h', () => {
    const { store, at } = clockStore();
    const r = store.routeSlot('r#0', 'r');
    store.record(r, obs());
    at(T0 + 3_600_000 + 10_000);
    store.record(r, obs());
    expect(store.recent.length).toBe(1);
    expect(queryAnalytics(store, query({ window: '1h', windowSeconds: 3600 }), T0 + 3_610_000).totals.requests).toBe(1);
    expect(queryAnalytics(store, query({ window: '24h', windowSeconds: 86_400 }), T0 + 3_610_000).totals.requests).toBe(2);
    const later = T0 + 3_610_000 + 86_400_000 + 60_000;
    at(later);
    store.record(r, obs());
    expect(queryAnalytics(store, query({ window: '24h', windowSeconds: 86_400 }), later).totals.requests).toBe(1);
    expect(store.recent.length).toBeLessThanOrEqual(RECENT_BUCKETS);
    expect(store.history.length).toBeLessThanOrEqual(HISTORY_BUCKETS);
  });

  it('checks the query string', () => {
    expect(parseWindow('15m')).toBe(900);
    expect(parseWindow('24h')).toBe(86_400);
    expect(parseWindow('30s')).toBeNull();
    expect(parseWindow('25h')).toBeNull();
    expect(parseWindow('1d')).toBeNull();
    expect(parseAnalyticsQuery(new URLSearchParams(''))).toEqual({ query: query() });
    expect(parseAnalyticsQuery(new URLSearchParams('by=method'))).toEqual({ error: expect.stringContaining('by must be one of route, consumer, service, status') });
    expect(parseAnalyticsQuery(new URLSearchParams('window=2d'))).toEqual({ error: expect.stringContaining('window must be a duration') });
  });
});

describe('analytics memory bound', () => {
  it('floods of 100,000 distinct consumers stay within the caps (consumers, series per bucket, series in all)', () => {
    const { store, at } = clockStore();
    const routes = [store.routeSlot('a#0', 'a'), store.routeSlot('b#0', 'b')];
    let sent = 0;
    // 100,000 consumers over 25 minutes, 4,000 per 10 s bucket, two routes, three methods.
    for (let i = 0; i < 100_000; i++) {
      at(T0 + Math.floor(i / 4_000) * 10_000 + (i % 4_000));
      store.record(routes[i % 2], obs({ consumer: `c${i}`, method: ['GET', 'POST', 'BREW'][i % 3], status: i % 7 === 0 ? 500 : 200, latencyUs: 100 + (i % 50_000) }));
      sent++;
    }
    for (const b of store.recent) {
      expect(b.byConsumer.size).toBeLessThanOrEqual(MAX_CONSUMERS_PER_BUCKET + 1);
      // The cap, plus at most 5 overflow series (status classes) x 2 routes x 1 method.
      expect(b.cells).toBeLessThanOrEqual(MAX_CELLS_PER_BUCKET + 10);
    }
    expect(store.cellCount).toBeLessThanOrEqual(MAX_CELLS);
    const held = [...store.recent, ...store.history].reduce((n, b) => n + [...b.allCells()].length, 0);
    expect(held).toBe(store.cellCount);
    const bytes = [...store.recent, ...store.history].reduce((n, b) => n + [...b.allCells()].reduce((m, c) => m + c.latency.estimatedFootprintInBytes, 0), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_CELLS * HISTOGRAM_MAX_BYTES);
    // Totals stay exact: overflowed consumers count as "other".
    const doc = queryAnalytics(store, query({ window: '1h', windowSeconds: 3600, by: 'consumer' }), T0 + 25 * 60_000);
    expect(doc.totals.requests).toBe(sent);
    expect(doc.groups[0].key).toBe('other');
    const byRoute = queryAnalytics(store, query({ window: '1h', windowSeconds: 3600 }), T0 + 25 * 60_000);
    expect(byRoute.groups.map((g) => g.requests)).toEqual([50_000, 50_000]);
  });

  it('past MAX_CELLS the oldest history is dropped, never the bucket being recorded', () => {
    const { store, at } = clockStore();
    const r = store.routeSlot('r#0', 'r');
    // 2,000 series per 10 s bucket, in new buckets until the store is full several times over.
    for (let b = 0; b < 60; b++) {
      at(T0 + b * 10_000);
      for (let i = 0; i < MAX_CELLS_PER_BUCKET / 2; i++) {
        store.record(r, obs({ consumer: `c${i}`, method: 'GET' }));
        store.record(r, obs({ consumer: `c${i}`, method: 'POST' }));
      }
    }
    expect(store.cellCount).toBeLessThanOrEqual(MAX_CELLS);
    expect(store.recent[store.recent.length - 1].cells).toBe(MAX_CELLS_PER_BUCKET);
  });

  it('a histogram spanning the whole tracked range costs HISTOGRAM_MAX_BYTES', () => {
    const h = newHistogram();
    recordLatency(h, 1);
    recordLatency(h, MAX_LATENCY_US * 10);
    expect(h.estimatedFootprintInBytes).toBe(HISTOGRAM_MAX_BYTES);
    expect(h.maxValue).toBeLessThanOrEqual(MAX_LATENCY_US * 1.07);
  });
});

describe('analytics percentiles', () => {
  const PRECISION = 1 / 16; // 1 significant digit in HDR terms

  it('uniform 1..1000 ms: p50 ≈ 500, p95 ≈ 950, p99 ≈ 990, max ≈ 1000 within HDR precision', () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordLatency(h, ms * 1000);
    const s = summarize(h);
    expect(Math.abs(s.p50 - 500) / 500).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(s.p95 - 950) / 950).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(s.p99 - 990) / 990).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(s.max - 1000) / 1000).toBeLessThanOrEqual(PRECISION);
  });

  it('a bimodal distribution (90 % at 2 ms, 10 % at 200 ms) separates p50 from p95/p99, merged across buckets', () => {
    const { store, at } = clockStore();
    const r = store.routeSlot('r#0', 'r');
    for (let i = 0; i < 1000; i++) {
      at(T0 + (i % 6) * 10_000);
      store.record(r, obs({ latencyUs: i % 10 === 0 ? 200_000 : 2_000 }));
    }
    const t = queryAnalytics(store, query(), T0 + 59_000).totals.latencyMs;
    expect(Math.abs(t.p50 - 2) / 2).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(t.p95 - 200) / 200).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(t.p99 - 200) / 200).toBeLessThanOrEqual(PRECISION);
  });
});
