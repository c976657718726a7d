// The gateway against the real registry (src/runtime/registry, in process): it balances over
// what the registry reports as passing, and picks up registrations and deregistrations live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/runtime/registry/registry.js';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, until, type RunningGateway, type Upstream } from './gateway-helpers.js';

const TOKEN = 'live-registry-test-token';

describe('gateway with the live registry', () => {
  let a: Upstream, b: Upstream, late: Upstream;
  let registry: RunningRegistry;
  let gw: RunningGateway;

  beforeAll(async () => {
    [a, b, late] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('late')]);
    const d = discovery({ orders: [a.port, b.port] });
    Object.assign(d.services.orders, { intervalMs: 200, timeoutMs: 200, failuresBeforeCritical: 1, startPeriodMs: 0 });
    registry = await startRegistry({ discovery: d, token: TOKEN, networks: [], host: '127.0.0.1', port: 0 });
    gw = await startGateway({
      config: gatewayConfig([route({ id: 'orders#0', service: 'orders', path: '/o' })], { registry: { url: registry.url, tokenEnv: 'REG_TOKEN' } }),
      // The static fallback deliberately points elsewhere: traffic must follow the registry.
      discovery: discovery({ orders: [late.port] }),
    });
  });
  afterAll(async () => {
    await gw.close();
    await registry.close();
    await Promise.all([a, b, late].map((u) => u.close()));
  });

  it('balances over the passing instances the registry reports', async () => {
    await until(() => gw.gateway.upstreams.describe().orders.source === 'registry' && gw.gateway.upstreams.describe().orders.instances.length === 2);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(String((await send(gw.port, '/o/x')).headers['x-upstream']));
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  it('sends traffic to a newly registered instance once it passes, and stops after it deregisters', async () => {
    const put = await fetch(`${registry.url}/v1/services/orders/instances/orders-late`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ address: '127.0.0.1', port: late.port, healthPath: '/healthz' }),
    });
    expect(put.status).toBeLessThan(300);
    await until(async () => (await send(gw.port, '/o/x')).headers['x-upstream'] === 'late', 5000);

    const del = await fetch(`${registry.url}/v1/services/orders/instances/orders-late`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(del.status).toBeLessThan(300);
    await until(() => gw.gateway.upstreams.describe().orders.instances.length === 2);
    // Registry health probes also reach `late`: count proxied requests only.
    const proxied = () => late.requests.filter((r) => r.url !== '/healthz').length;
    const before = proxied();
    for (let i = 0; i < 4; i++) expect((await send(gw.port, '/o/x')).status).toBe(200);
    expect(proxied()).toBe(before);
  });
});
