// The analytics store (src/runtime/gateway/features/analytics): bucketing and rotation, the
// window's tier, the caps that bound memory, percentiles against known distributions (and the
// recording bins against hdr-histogram-js's own), WebSocket tunnels and AI usage.
import * as Int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';
import { describe, expect, it } from 'vitest';
import { BINS, binOf, binValue, Distribution, DISTRIBUTION_MAX, HISTOGRAM_MAX_BYTES, MAX_LATENCY_US, recordLatency, summarize } from '../../src/runtime/gateway/features/analytics/histogram.js';
import type { AiOutcome } from '../../src/runtime/gateway/features/ai/outcome.js';
import { parseAnalyticsWindow as parseWindow } from '../../src/runtime/contract/analytics-api.js';
import { parseAnalyticsQuery, queryAnalytics, type AnalyticsQuery } from '../../src/runtime/gateway/features/analytics/query.js';
import {
  AnalyticsStore,
  HISTORY_BUCKETS,
  MAX_CELLS,
  MAX_CELLS_PER_BUCKET,
  MAX_CONSUMERS_PER_BUCKET,
  MAX_FALLBACKS_PER_BUCKET,
  MAX_MODELS,
  RECENT_BUCKETS,
  type Observation,
} from '../../src/runtime/gateway/features/analytics/store.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // on a minute boundary

function obs(partial: Partial<Observation> = {}): Observation {
  return { consumer: 'anonymous', method: 'GET', status: 200, latencyUs: 1000, bytesIn: 0, bytesOut: 10, rateLimited: false, cacheHit: false, upstreamErrors: 0, ai: null, ...partial };
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
    expect(doc.ai).toEqual({ usage: [], fallbacks: [] });
    expect(doc.totals.tunnels).toEqual({ upgrades: 0, open: 0, closed: 0, bytesIn: 0, bytesOut: 0, durationMs: { p50: 0, p95: 0, p99: 0, max: 0 } });
    expect(doc.totals.ai).toEqual({ requests: 0, inputTokens: 0, outputTokens: 0, fallbacks: 0 });
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
    expect(parseAnalyticsQuery(new URLSearchParams('by=method'))).toEqual({ error: expect.stringContaining('by must be one of route, consumer, service, status, model') });
    expect(parseAnalyticsQuery(new URLSearchParams('by=model'))).toEqual({ query: query({ by: 'model' }) });
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
    const bytes = [...store.recent, ...store.history].reduce((n, b) => n + [...b.allCells()].reduce((m, c) => m + c.latency.counts.byteLength, 0), 0);
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

  it('a distribution is a fixed HISTOGRAM_MAX_BYTES whatever it records, clamped to its range', () => {
    const d = new Distribution();
    recordLatency(d, 0.2);
    recordLatency(d, MAX_LATENCY_US * 10);
    expect(d.counts.byteLength).toBe(HISTOGRAM_MAX_BYTES);
    expect(HISTOGRAM_MAX_BYTES).toBeLessThanOrEqual(1_500);
    expect(d.max).toBe(MAX_LATENCY_US);
    expect(d.counts[1]).toBe(1);
  });
});

describe('analytics percentiles', () => {
  const PRECISION = 1 / 16; // 1 significant digit in HDR terms

  it('records into the bins hdr-histogram-js would (its countsArrayIndex and valueFromIndex at 1 digit)', () => {
    type H = typeof Int32HistogramModule.default.default;
    const loaded = Int32HistogramModule.default as unknown as H & { default?: H };
    const lib = new (loaded.default ?? loaded)(1, DISTRIBUTION_MAX, 1) as unknown as { countsArrayIndex(v: number): number; valueFromIndex(i: number): number; countsArrayLength: number };
    const values = [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 999, 1000, 1024, 65_535, 65_536, 1_000_000, MAX_LATENCY_US, DISTRIBUTION_MAX];
    for (let v = 1; v < 5000; v += 7) values.push(v);
    for (const v of values) expect(binOf(v)).toBe(lib.countsArrayIndex(v));
    for (let i = 0; i < BINS; i++) expect(binValue(i)).toBe(lib.valueFromIndex(i));
    expect(BINS).toBeLessThanOrEqual(lib.countsArrayLength);
  });

  it('uniform 1..1000 ms: p50 ≈ 500, p95 ≈ 950, p99 ≈ 990, max ≈ 1000 within HDR precision', () => {
    const h = new Distribution();
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

function aiCall(partial: Partial<AiOutcome> = {}): AiOutcome {
  return { provider: 'openai', model: 'gpt-4o', consumer: 'alice', fallbacks: [], inputTokens: 10, outputTokens: 5, ...partial };
}

describe('analytics of WebSocket tunnels', () => {
  it('counts upgrades, open tunnels (live, whatever the window), bytes and durations per route and consumer', () => {
    const { store, at } = clockStore();
    const chat = store.routeSlot('chat#0', 'chat');
    const api = store.routeSlot('api#0', 'api');
    // The upgrade request itself is a request (101) in the log phase; the tunnel phase adds the rest.
    for (const consumer of ['alice', 'alice', 'bob']) {
      store.record(chat, obs({ consumer, status: 101 }));
      store.tunnelOpened(chat, consumer);
    }
    store.record(api, obs({ consumer: 'alice' }));
    at(T0 + 12_000);
    store.tunnelClosed(chat, 'alice', { bytesFromClient: 100, bytesFromUpstream: 2_000, seconds: 12 });
    at(T0 + 30_000);
    store.tunnelClosed(chat, 'bob', { bytesFromClient: 7, bytesFromUpstream: 9, seconds: 0.25 });
    const doc = queryAnalytics(store, query({ window: '1m', windowSeconds: 60 }), T0 + 31_000);
    expect(doc.totals.tunnels).toMatchObject({ upgrades: 3, open: 1, closed: 2, bytesIn: 107, bytesOut: 2_009 });
    expect(doc.totals.tunnels.durationMs.max).toBe(12_000);
    expect(Math.abs(doc.totals.tunnels.durationMs.p50 - 250) / 250).toBeLessThanOrEqual(1 / 16);
    expect(doc.totals.requests).toBe(4);
    const chatGroup = doc.groups.find((g) => g.key === 'chat#0')!;
    expect(chatGroup.tunnels).toMatchObject({ upgrades: 3, open: 1, closed: 2 });
    expect(chatGroup.statusClasses['1xx']).toBe(3);
    expect(doc.groups.find((g) => g.key === 'api#0')!.tunnels).toMatchObject({ upgrades: 0, open: 0, closed: 0 });
    const byConsumer = queryAnalytics(store, query({ window: '1m', windowSeconds: 60, by: 'consumer' }), T0 + 31_000);
    expect(byConsumer.groups.find((g) => g.key === 'alice')!.tunnels).toMatchObject({ upgrades: 2, open: 1, closed: 1, bytesIn: 100 });
    expect(byConsumer.groups.find((g) => g.key === 'bob')!.tunnels).toMatchObject({ upgrades: 1, open: 0, closed: 1, bytesIn: 7 });
    // An hour later the window holds nothing of it, but the open tunnel is still open.
    const later = T0 + 2 * 3_600_000;
    at(later);
    const late = queryAnalytics(store, query({ window: '5m', windowSeconds: 300 }), later);
    expect(late.totals.tunnels).toMatchObject({ upgrades: 0, open: 1, closed: 0 });
    expect(late.groups.map((g) => [g.key, g.requests, g.tunnels.open])).toEqual([['chat#0', 0, 1]]);
    store.tunnelClosed(chat, 'alice', { bytesFromClient: 1, bytesFromUpstream: 1, seconds: 7_200 });
    expect(queryAnalytics(store, query({ window: '5m', windowSeconds: 300 }), later).totals.tunnels).toMatchObject({ open: 0, closed: 1, durationMs: { max: 7_200_000 } });
    // Closed tunnels roll into minutes with their durations (windows over 1 h).
    expect(queryAnalytics(store, query({ window: '24h', windowSeconds: 86_400 }), later).totals.tunnels).toMatchObject({ upgrades: 3, closed: 3, bytesIn: 108 });
  });
});

describe('analytics of AI calls', () => {
  it('counts calls and tokens per route, consumer, provider and model, fallback hops, and groups by model', () => {
    const { store, at } = clockStore();
    const chat = store.routeSlot('chat#0', 'ai');
    const plain = store.routeSlot('orders#0', 'orders');
    store.record(chat, obs({ consumer: 'alice', method: 'POST', ai: aiCall() }));
    store.record(chat, obs({ consumer: 'alice', method: 'POST', ai: aiCall({ inputTokens: 20, outputTokens: 7 }) }));
    store.record(chat, obs({ consumer: 'bob', method: 'POST', ai: aiCall({ consumer: 'bob', provider: 'anthropic', model: 'claude-3', fallbacks: ['openai/gpt-4o'], inputTokens: 3, outputTokens: 4 }) }));
    at(T0 + 11_000);
    // Two hops: gpt-4o failed, then gpt-4o-mini, then claude answered.
    store.record(chat, obs({ consumer: 'alice', method: 'POST', ai: aiCall({ provider: 'anthropic', model: 'claude-3', fallbacks: ['openai/gpt-4o', 'openai/gpt-4o-mini'], inputTokens: 1, outputTokens: 1 }) }));
    store.record(plain, obs());
    const doc = queryAnalytics(store, query({ window: '1m', windowSeconds: 60 }), T0 + 12_000);
    expect(doc.totals.ai).toEqual({ requests: 4, inputTokens: 34, outputTokens: 17, fallbacks: 2 });
    expect(doc.totals.requests).toBe(5);
    expect(doc.ai.usage).toEqual([
      { route: 'chat#0', service: 'ai', consumer: 'alice', provider: 'openai', model: 'gpt-4o', requests: 2, inputTokens: 30, outputTokens: 12, fallbacks: 0 },
      { route: 'chat#0', service: 'ai', consumer: 'bob', provider: 'anthropic', model: 'claude-3', requests: 1, inputTokens: 3, outputTokens: 4, fallbacks: 1 },
      { route: 'chat#0', service: 'ai', consumer: 'alice', provider: 'anthropic', model: 'claude-3', requests: 1, inputTokens: 1, outputTokens: 1, fallbacks: 1 },
    ]);
    expect(doc.ai.fallbacks).toEqual(
      expect.arrayContaining([
        { route: 'chat#0', from: 'openai/gpt-4o', to: 'anthropic/claude-3', count: 1 },
        { route: 'chat#0', from: 'openai/gpt-4o', to: 'openai/gpt-4o-mini', count: 1 },
        { route: 'chat#0', from: 'openai/gpt-4o-mini', to: 'anthropic/claude-3', count: 1 },
      ]),
    );
    expect(doc.ai.fallbacks).toHaveLength(3);
    const byModel = queryAnalytics(store, query({ window: '1m', windowSeconds: 60, by: 'model' }), T0 + 12_000);
    expect(byModel.groups.map((g) => [g.key, g.requests, g.ai.inputTokens, g.ai.outputTokens])).toEqual([
      ['anthropic/claude-3', 2, 4, 5],
      ['openai/gpt-4o', 2, 30, 12],
      ['(none)', 1, 0, 0],
    ]);
    const bob = queryAnalytics(store, query({ window: '1m', windowSeconds: 60, consumer: 'bob' }), T0 + 12_000);
    expect(bob.ai.usage.map((u) => u.consumer)).toEqual(['bob']);
    expect(bob.totals.ai).toEqual({ requests: 1, inputTokens: 3, outputTokens: 4, fallbacks: 1 });
    // Minutes keep the model dimension and the hops.
    const day = queryAnalytics(store, query({ window: '24h', windowSeconds: 86_400 }), T0 + 12_000);
    expect(day.totals.ai).toEqual(doc.totals.ai);
    expect(day.ai.fallbacks).toHaveLength(3);
  });

  it('caps distinct models and fallback hops (later ones count as other/other), totals stay exact', () => {
    const { store } = clockStore();
    const chat = store.routeSlot('chat#0', 'ai');
    const n = MAX_MODELS + 50;
    for (let i = 0; i < n; i++) store.record(chat, obs({ consumer: 'alice', method: 'POST', ai: aiCall({ model: `m${i}`, fallbacks: [`p/f${i}`], inputTokens: 1, outputTokens: 2 }) }));
    expect(store.models.length).toBe(MAX_MODELS);
    const bucket = store.recent[store.recent.length - 1];
    expect(bucket.fallbacks.size).toBeLessThanOrEqual(MAX_FALLBACKS_PER_BUCKET + 1);
    const doc = queryAnalytics(store, query({ window: '1m', windowSeconds: 60, by: 'model' }), T0 + 1_000);
    expect(doc.totals.ai).toEqual({ requests: n, inputTokens: n, outputTokens: 2 * n, fallbacks: n });
    expect(doc.groups.find((g) => g.key === 'other/other')!.requests).toBeGreaterThan(50);
    expect(doc.ai.fallbacks.reduce((sum, f) => sum + f.count, 0)).toBe(n);
    const held = [...store.recent].reduce((sum, b) => sum + b.cells + b.extras, 0);
    expect(held).toBe(store.cellCount);
  });
});
