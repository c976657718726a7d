// API analytics in a real in-process gateway (real sockets on 127.0.0.1): traffic from two API
// keys and anonymous callers counted per consumer, route, service and status class; the
// numbers equal the Prometheus metrics for the same traffic; admin-only; kept across reloads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsDocument } from '../../src/runtime/contract/analytics-api.js';
import { deadPort, discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const env = { ADMIN: TOKEN, ALICE_KEY: 'alice-key', BOB_KEY: 'bob-key' } as NodeJS.ProcessEnv;
const admin = { authorization: `Bearer ${TOKEN}` };

const routes = [
  route({ id: 'orders#0', service: 'orders', path: '/orders', auth: 'required' }),
  route({ id: 'users#0', service: 'users', path: '/users', rateLimit: { requests: 1, perMs: 60_000, by: 'ip', burst: 3 }, cache: { ttlMs: 60_000 } }),
  route({ id: 'away#0', service: 'away', path: '/away', retries: 0 }),
];

/** Sums of a Prometheus counter's samples by one label (lines `name{...label="v"...} n`). */
function promSum(text: string, name: string, label: string, filter: (line: string) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !filter(line)) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(line)![1];
    out[value] = (out[value] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

async function analytics(port: number, query = ''): Promise<AnalyticsDocument> {
  const reply = await send(port, `/_portico/analytics${query}`, { headers: admin });
  expect(reply.status).toBe(200);
  return reply.json();
}

describe('gateway analytics', () => {
  let up: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    up = await startUpstream('shop', (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end('hello');
    });
    const down = await deadPort();
    gw = await startGateway({
      env,
      metrics: true,
      config: gatewayConfig(routes, {
        auth: { apiKeys: [{ name: 'alice', env: 'ALICE_KEY' }, { name: 'bob', env: 'BOB_KEY' }], jwt: null },
        admin: { tokenEnv: 'ADMIN' },
        analytics: { enabled: true },
      }),
      discovery: discovery({ orders: [up.port], users: [up.port], away: [down] }),
    });
    const traffic: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) traffic.push(send(gw.port, '/orders/list', { headers: { 'x-api-key': 'alice-key' } }));
    for (let i = 0; i < 3; i++) traffic.push(send(gw.port, '/orders/list', { method: 'POST', headers: { 'x-api-key': 'bob-key', 'content-type': 'text/plain' }, body: 'twelve bytes' }));
    traffic.push(send(gw.port, '/orders/list')); // 401: anonymous
    await Promise.all(traffic);
    // Rate limit burst 3: the 4th and later anonymous GETs are 429; the second GET is a cache hit.
    for (let i = 0; i < 5; i++) await send(gw.port, '/users/me');
    await send(gw.port, '/away/x'); // 502: nothing listens
    await send(gw.port, '/nowhere'); // 404: no route
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  it('answers 401 with no data without the admin token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const reply = await send(gw.port, '/_portico/analytics', { headers });
      expect(reply.status).toBe(401);
      expect(reply.body).not.toContain('orders');
    }
  });

  it('counts per consumer: two API keys and anonymous', async () => {
    const doc = await analytics(gw.port, '?window=15m&by=consumer');
    expect(doc).toMatchObject({ window: '15m', by: 'consumer', bucketSeconds: 10 });
    const by = Object.fromEntries(doc.groups.map((g) => [g.key, g]));
    expect(by.alice).toMatchObject({ requests: 5, errors: 0, statusClasses: { '2xx': 5 } });
    expect(by.bob).toMatchObject({ requests: 3, bytesIn: 36, statusClasses: { '2xx': 3 } });
    // anonymous: the 401, 5 on users (3 answered, 2 rate-limited), the 502, the 404.
    expect(by.anonymous).toMatchObject({ requests: 8, rateLimited: 2, cacheHits: 2, errors: 1 });
    expect(doc.totals).toMatchObject({ requests: 16, errors: 1, rateLimited: 2, cacheHits: 2, bytesIn: 36, upstreamErrors: 1 });
    expect(doc.totals.bytesOut).toBeGreaterThanOrEqual(8 * 5);
    expect(doc.totals.latencyMs.p50).toBeGreaterThan(0);
    expect(doc.totals.latencyMs.max).toBeGreaterThanOrEqual(doc.totals.latencyMs.p99);
    expect(doc.series).toHaveLength(90);
    expect(doc.series.reduce((n, p) => n + p.requests, 0)).toBe(16);
  });

  it('groups by route, service and status, and filters', async () => {
    const byRoute = await analytics(gw.port, '?by=route');
    expect(byRoute.groups.map((g) => [g.key, g.requests])).toEqual([['orders#0', 9], ['users#0', 5], ['(none)', 1], ['away#0', 1]]);
    const byService = await analytics(gw.port, '?by=service');
    expect(byService.groups.find((g) => g.key === 'users')).toMatchObject({ requests: 5, rateLimited: 2, cacheHits: 2 });
    const byStatus = await analytics(gw.port, '?by=status');
    expect(Object.fromEntries(byStatus.groups.map((g) => [g.key, g.requests]))).toEqual({ '2xx': 11, '4xx': 4, '5xx': 1 });
    const aliceOrders = await analytics(gw.port, '?route=orders%230&consumer=alice');
    expect(aliceOrders.totals.requests).toBe(5);
    expect((await send(gw.port, '/_portico/analytics?by=method', { headers: admin })).status).toBe(400);
    expect((await send(gw.port, '/_portico/analytics?window=2d', { headers: admin })).status).toBe(400);
  });

  it('has the same numbers as the Prometheus metrics', async () => {
    const text = (await send(gw.port, '/_portico/metrics')).body;
    const doc = await analytics(gw.port, '?by=route');
    const requests = promSum(text, 'portico_gateway_requests_total', 'route');
    expect(Object.fromEntries(doc.groups.map((g) => [g.key, g.requests]))).toEqual(requests);
    const errors = promSum(text, 'portico_gateway_requests_total', 'route', (l) => /status="5\d\d"/.test(l));
    expect(Object.fromEntries(doc.groups.filter((g) => g.errors > 0).map((g) => [g.key, g.errors]))).toEqual(errors);
    expect(Object.fromEntries(doc.groups.filter((g) => g.rateLimited > 0).map((g) => [g.key, g.rateLimited]))).toEqual(promSum(text, 'portico_gateway_rate_limited_total', 'route'));
    expect(Object.fromEntries(doc.groups.filter((g) => g.cacheHits > 0).map((g) => [g.key, g.cacheHits]))).toEqual(promSum(text, 'portico_gateway_cache_total', 'route', (l) => l.includes('result="hit"')));
    expect(Object.fromEntries(doc.groups.filter((g) => g.upstreamErrors > 0).map((g) => [g.key, g.upstreamErrors]))).toEqual(promSum(text, 'portico_gateway_upstream_errors_total', 'route'));
  });

  it('keeps the numbers across a reload', async () => {
    await gw.gateway.reload(
      gatewayConfig(routes, { auth: { apiKeys: [{ name: 'alice', env: 'ALICE_KEY' }, { name: 'bob', env: 'BOB_KEY' }], jwt: null }, admin: { tokenEnv: 'ADMIN' }, analytics: { enabled: true } }),
      discovery({ orders: [up.port], users: [up.port], away: [await deadPort()] }),
    );
    await send(gw.port, '/orders/list', { headers: { 'x-api-key': 'alice-key' } });
    const doc = await analytics(gw.port, '?by=consumer');
    expect(doc.groups.find((g) => g.key === 'alice')!.requests).toBe(6);
  });
});

describe('gateway analytics switched off', () => {
  it('has no /_portico/analytics endpoint when gateway.json does not enable it', async () => {
    const up = await startUpstream('s');
    const gw = await startGateway({ env, config: gatewayConfig([route({ service: 's', path: '/s' })], { admin: { tokenEnv: 'ADMIN' }, analytics: { enabled: false } }), discovery: discovery({ s: [up.port] }) });
    try {
      expect((await send(gw.port, '/_portico/analytics', { headers: admin })).status).toBe(404);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
