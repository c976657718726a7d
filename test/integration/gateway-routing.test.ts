// Routing: prefix (longest first), host, method, prefix stripping, round-robin, 404, the
// gateway's own endpoints, and that the path cannot escape a route's prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

describe('gateway routing', () => {
  let a1: Upstream, a2: Upstream, b: Upstream, admin: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    [a1, a2, b, admin] = await Promise.all([startUpstream('a1'), startUpstream('a2'), startUpstream('b'), startUpstream('admin')]);
    gw = await startGateway({
      config: gatewayConfig([
        route({ id: 'orders#0', service: 'orders', path: '/api/orders' }),
        route({ id: 'orders-special#0', service: 'special', path: '/api/orders/special', stripPrefix: false }),
        route({ id: 'admin#0', service: 'admin', path: '/admin', methods: ['GET'] }),
        route({ id: 'hosted#0', service: 'special', path: '/', host: 'b.example' }),
      ]),
      discovery: discovery({ orders: [a1.port, a2.port], special: [b.port], admin: [admin.port] }),
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([a1, a2, b, admin].map((u) => u.close()));
  });

  it('strips the prefix and keeps the query', async () => {
    const r = await send(gw.port, '/api/orders/42?x=1');
    expect(r.status).toBe(200);
    expect(r.json().url).toBe('/42?x=1');
    const root = await send(gw.port, '/api/orders');
    expect(root.json().url).toBe('/');
  });

  it('prefers the longest prefix and keeps the path when stripPrefix is false', async () => {
    const r = await send(gw.port, '/api/orders/special/7');
    expect(r.headers['x-upstream']).toBe('b');
    expect(r.json().url).toBe('/api/orders/special/7');
  });

  it('does not match a prefix in the middle of a segment', async () => {
    const r = await send(gw.port, '/api/ordersX');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.json()).toMatchObject({ error: 'no_route' });
  });

  it('round-robins over the instances', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(String((await send(gw.port, '/api/orders/rr')).headers['x-upstream']));
    expect(seen.filter((s) => s === 'a1')).toHaveLength(2);
    expect(seen.filter((s) => s === 'a2')).toHaveLength(2);
  });

  it('routes by method (HEAD follows GET) and by host', async () => {
    expect((await send(gw.port, '/admin/x')).status).toBe(200);
    expect((await send(gw.port, '/admin/x', { method: 'HEAD' })).status).toBe(200);
    expect((await send(gw.port, '/admin/x', { method: 'POST', body: '{}' })).status).toBe(404);
    const hosted = await send(gw.port, '/anything', { headers: { host: 'B.example:8080' } });
    expect(hosted.headers['x-upstream']).toBe('b');
    expect((await send(gw.port, '/anything')).status).toBe(404);
  });

  it('answers its own health endpoint', async () => {
    const r = await send(gw.port, '/_portico/health');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', routes: 4, upstreams: { orders: { source: 'static' } } });
  });

  it('resolves dot segments before routing so ".." cannot escape a prefix', async () => {
    const before = admin.requests.length;
    const r = await send(gw.port, '/api/orders/../admin/secret');
    // Normalized to /api/admin/secret: no route, and the admin service never sees it.
    expect(r.status).toBe(404);
    const encoded = await send(gw.port, '/api/orders/%2e%2e/%2E%2E/admin/x');
    expect(encoded.headers['x-upstream']).toBe('admin');
    expect(encoded.json().url).toBe('/x');
    expect(admin.requests.length).toBe(before + 1);
    const inside = await send(gw.port, '/api/orders/a/../b');
    expect(inside.json().url).toBe('/b');
  });

  it('refuses encoded slashes and backslashes with 400', async () => {
    for (const path of ['/api/orders/..%2f..%2fadmin', '/api/orders/%5c..%5cadmin', '/api/orders/a\\..\\b']) {
      const r = await send(gw.port, path);
      expect(r.status).toBe(400);
      expect(r.json().error).toBe('bad_request');
    }
  });
});
