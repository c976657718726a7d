// The registry's HTTP API over real sockets on 127.0.0.1: writes with and without the token,
// validation errors that change nothing, reads, the SSE watch with resume, OpenAPI coverage.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/runtime/registry/registry.js';
import { discoveryFor, SseReader, waitFor } from '../helpers/registry.js';

const TOKEN = 'test-token-123';
let registry: RunningRegistry;
let instance: http.Server;
let instancePort: number;
const readers: SseReader[] = [];

const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = TOKEN, ...rest } = init;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return fetch(`${registry.url}${path}`, { ...rest, headers: { ...headers, ...(rest.headers as Record<string, string> | undefined) } });
};
const register = (id: string, body: object, token?: string | null) => api(`/v1/services/orders/instances/${id}`, { method: 'PUT', body: JSON.stringify(body), token });
const watch = (headers: Record<string, string> = {}, query = '') => {
  const reader = new SseReader(`${registry.url}/v1/watch${query}`, headers);
  readers.push(reader);
  return reader;
};

beforeAll(async () => {
  instance = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end('ok'));
  await new Promise<void>((r) => instance.listen(0, '127.0.0.1', r));
  instancePort = (instance.address() as AddressInfo).port;
  registry = await startRegistry({
    discovery: discoveryFor({ orders: {}, cache: { kind: 'image', port: 6379, check: { type: 'tcp' }, instances: [{ id: 'shop-cache-1', address: '127.0.0.1', port: instancePort }] } }),
    token: TOKEN,
    networks: [],
    host: '127.0.0.1',
    keepAliveMs: 100,
  });
});

afterAll(async () => {
  for (const reader of readers) reader.close();
  await registry?.close();
  await new Promise((r) => instance?.close(r));
});

describe('registry API', () => {
  it('answers its own health and lists seeded services', async () => {
    const health = await api('/v1/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', index: registry.catalog.index });
    const services = (await (await api('/v1/services')).json()) as { index: number; services: Record<string, unknown[]> };
    // Warm-up probed the seeded instance before listening: it is passing on the first read.
    expect(services.services.cache).toMatchObject([{ id: 'shop-cache-1', status: 'passing', source: 'static' }]);
    expect(services.services.orders).toEqual([]);
  });

  it('refuses writes without the right token with 401, changing nothing', async () => {
    const before = registry.catalog.index;
    for (const token of [null, 'wrong']) {
      const response = await register('shop-orders-9', { address: '127.0.0.1', port: instancePort }, token);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthorized' });
      expect((await api('/v1/services/orders/instances/shop-orders-9/heartbeat', { method: 'PUT', token })).status).toBe(401);
      expect((await api('/v1/services/cache/instances/shop-cache-1', { method: 'DELETE', token })).status).toBe(401);
    }
    expect(registry.catalog.index).toBe(before);
    expect(registry.catalog.instance('cache', 'shop-cache-1')).not.toBeNull();
  });

  it('rejects bad registrations with 400 and the reason, changing nothing', async () => {
    const before = registry.catalog.index;
    const cases: Array<[string, string | object, RegExp]> = [
      ['/v1/services/Orders/instances/shop-orders-1', { address: '127.0.0.1', port: 3000 }, /service name "Orders" must be a DNS label/],
      ['/v1/services/orders/instances/shop_orders_1', { address: '127.0.0.1', port: 3000 }, /instance id "shop_orders_1" must be DNS-safe/],
      ['/v1/services/orders/instances/shop-orders-1', { address: '127.0.0.1', port: 0 }, /^port: /],
      ['/v1/services/orders/instances/shop-orders-1', { address: '8.8.8.8', port: 3000 }, /address 8\.8\.8\.8 is neither loopback nor inside the stack network/],
      ['/v1/services/orders/instances/shop-orders-1', { address: 'example.com', port: 3000 }, /container name of project "shop"/],
      ['/v1/services/orders/instances/shop-orders-1', '{not json', /not valid JSON/],
      ['/v1/services/orders/instances/shop-orders-1', '', /must be a JSON object/],
      ['/v1/services/orders/instances/shop-orders-1', { address: '127.0.0.1', port: 3000, metadata: { big: 'x'.repeat(20_000) } }, /exceeds the limit of 16384 bytes/],
    ];
    for (const [path, body, reason] of cases) {
      const response = await api(path, { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect(response.status, path).toBe(400);
      const json = (await response.json()) as { message: string };
      expect(json.message).toMatch(reason);
    }
    expect(registry.catalog.index).toBe(before);
    expect(registry.catalog.instances('orders')).toEqual([]);
  });

  it('registers (201), refreshes (200), reads, heartbeats and deregisters an instance', async () => {
    const created = await register('shop-orders-1', { address: '127.0.0.1', port: instancePort, version: '1.0.0', metadata: { zone: 'a' } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ ttlMs: 3000, instance: { id: 'shop-orders-1', status: 'warning', source: 'self', version: '1.0.0', metadata: { zone: 'a' } } });
    // Probed right away, not an interval later.
    await waitFor(() => registry.catalog.instance('orders', 'shop-orders-1')?.status === 'passing', 1000, 'passing');
    const refreshed = await register('shop-orders-1', { address: '127.0.0.1', port: instancePort, version: '1.0.1' });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({ instance: { status: 'passing', version: '1.0.1', metadata: {} } });

    const one = (await (await api('/v1/services/orders')).json()) as { service: string; instances: Array<{ lastCheck: { status: string; output: string } }> };
    expect(one).toMatchObject({ service: 'orders', instances: [{ id: 'shop-orders-1', status: 'passing' }] });
    expect(one.instances[0]!.lastCheck).toMatchObject({ status: 'passing', output: 'HTTP GET /healthz: 200' });
    expect(await (await api('/v1/services/orders/instances/shop-orders-1')).json()).toMatchObject({ instance: { id: 'shop-orders-1' } });

    const beat = await api('/v1/services/orders/instances/shop-orders-1/heartbeat', { method: 'PUT' });
    expect(beat.status).toBe(200);
    expect(await beat.json()).toMatchObject({ status: 'passing', ttlMs: 3000 });

    expect((await api('/v1/services/orders/instances/shop-orders-1', { method: 'DELETE' })).status).toBe(204);
    expect(registry.catalog.instances('orders')).toEqual([]);
    const gone = await api('/v1/services/orders/instances/shop-orders-1/heartbeat', { method: 'PUT' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: 'not_registered' });
    expect((await api('/v1/services/orders/instances/shop-orders-1', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 for unknown services and routes, 405 for wrong methods', async () => {
    expect((await api('/v1/services/nope')).status).toBe(404);
    expect((await api('/v2/whatever')).status).toBe(404);
    const post = await api('/v1/services', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect((await api('/v1/services/orders/instances/x/heartbeat', { method: 'GET' })).status).toBe(405);
  });

  it('streams a snapshot, then changes, with ids; resumes from Last-Event-ID; pings', async () => {
    const first = watch();
    const snapshot = await first.next();
    expect(snapshot.event).toBe('snapshot');
    expect(snapshot.id).toBe(String(registry.catalog.index));
    expect(snapshot.data).toMatchObject({ index: registry.catalog.index, services: { cache: [{ id: 'shop-cache-1' }], orders: [] } });

    expect((await register('shop-orders-2', { address: '127.0.0.1', port: instancePort })).status).toBe(201);
    const added = await first.next();
    expect(added).toMatchObject({ event: 'change', id: String(Number(snapshot.id) + 1), data: { service: 'orders', instances: [{ id: 'shop-orders-2', status: 'warning' }] } });
    const passing = await first.next();
    expect(passing).toMatchObject({ event: 'change', id: String(Number(snapshot.id) + 2), data: { instances: [{ id: 'shop-orders-2', status: 'passing' }] } });
    await waitFor(() => first.comments > 0, 2000, 'a keep-alive comment');

    // Resume after the first change: only the second, no snapshot.
    const resumed = watch({ 'last-event-id': added.id! });
    expect(await resumed.next()).toMatchObject({ event: 'change', id: passing.id });
    // Resume at the current index: nothing until the next change.
    const current = watch({}, `?lastEventId=${passing.id}`);
    expect((await api('/v1/services/orders/instances/shop-orders-2', { method: 'DELETE' })).status).toBe(204);
    expect(await current.next()).toMatchObject({ event: 'change', id: String(Number(passing.id) + 1), data: { service: 'orders', instances: [] } });
    expect(await resumed.next()).toMatchObject({ event: 'change', id: String(Number(passing.id) + 1) });
    // An id this registry never issued (e.g. from before a restart) gets a fresh snapshot.
    const stranger = watch({ 'last-event-id': '99999999999999' });
    expect(await stranger.next()).toMatchObject({ event: 'snapshot', id: String(registry.catalog.index) });
  });

  it('serves an OpenAPI 3.1 document describing every route', async () => {
    const doc = (await (await api('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/openapi.json', '/v1/health', '/v1/services', '/v1/services/{service}', '/v1/services/{service}/instances/{id}', '/v1/services/{service}/instances/{id}/heartbeat', '/v1/watch']);
    // Every documented operation is routed (anything but 404 for a concrete path).
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops).filter((m) => m !== 'parameters')) {
        if (path === '/v1/watch') continue; // a stream; covered above
        const concrete = path.replace('{service}', 'cache').replace('{id}', 'shop-cache-1');
        const response = await api(concrete, { method: method.toUpperCase(), body: method === 'put' && !path.endsWith('heartbeat') ? JSON.stringify({ address: '127.0.0.1', port: instancePort }) : undefined });
        expect(response.status, `${method} ${path}`).not.toBe(405);
        await response.body?.cancel();
      }
    }
  });
});
