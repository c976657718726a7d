// The contract end to end: a portico.yaml compiled by src/compile is what the gateway runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDiscovery } from '../../src/compile/discovery.js';
import { compileGateway } from '../../src/compile/gateway.js';
import { parseManifest } from '../../src/manifest/load.js';
import { SAMPLE_MANIFEST } from '../helpers/sample-manifest.js';
import { deadPort, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';


describe('gateway running a compiled manifest', () => {
  let orders1: Upstream, orders2: Upstream, users: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    [orders1, orders2, users] = await Promise.all([startUpstream('orders-1'), startUpstream('orders-2'), startUpstream('users-1')]);
    const { manifest } = parseManifest(SAMPLE_MANIFEST, 'portico.yaml');
    const config = compileGateway(manifest);
    const discovery = compileDiscovery(manifest);
    // In the stack these are container names on the project network and http://registry:8500;
    // in-process they are this test's upstreams and a registry that is not there.
    config.registry = { url: `http://127.0.0.1:${await deadPort()}`, tokenEnv: config.registry!.tokenEnv };
    discovery.services.orders.instances = discovery.services.orders.instances.map((i, n) => ({ ...i, address: '127.0.0.1', port: [orders1, orders2][n].port }));
    discovery.services.users.instances = discovery.services.users.instances.map((i) => ({ ...i, address: '127.0.0.1', port: users.port }));
    gw = await startGateway({ config, discovery, env: { SHOP_CI_KEY: 'ci-secret', SHOP_JWT_SECRET: 'jwt-secret-for-the-compiled-manifest-test' } });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([orders1, orders2, users].map((u) => u.close()));
  });

  it('routes, strips, authenticates, limits, caches and balances as the manifest says', async () => {
    expect((await send(gw.port, '/api/orders/1')).status).toBe(401);
    const first = await send(gw.port, '/api/orders/1', { headers: { 'x-api-key': 'ci-secret' } });
    expect(first.status).toBe(200);
    expect(first.json().url).toBe('/1');
    expect(first.json().headers['x-portico-consumer']).toBe('ci');
    expect(first.headers['ratelimit-limit']).toBe('600');
    expect(first.headers['x-cache']).toBe('MISS');
    expect((await send(gw.port, '/api/orders/1', { headers: { 'x-api-key': 'ci-secret' } })).headers['x-cache']).toBe('HIT');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(String((await send(gw.port, `/api/orders/rr${i}`, { headers: { 'x-api-key': 'ci-secret' } })).headers['x-upstream']));
    expect(seen).toEqual(new Set(['orders-1', 'orders-2']));

    const u = await send(gw.port, '/api/users/7');
    expect(u.json().url).toBe('/7');
    expect(u.headers['ratelimit-limit']).toBeUndefined();
  });

  it('answers CORS preflights with the compiled defaults', async () => {
    const r = await send(gw.port, '/api/orders/1', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' } });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-headers']).toContain('X-API-Key');
  });
});
