// The registry subscription: static instances until the registry answers, then its `passing`
// instances; live changes without restart; last known good set kept while the registry is
// away; resume with Last-Event-ID.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceStatus, RegistryInstance } from '../../src/runtime/contract/index.js';
import { deadPort, discovery, fixtureScope, gatewayConfig, route, send, startUpstream, until, type RunningGateway, type Upstream } from './gateway-helpers.js';

function instance(service: string, id: string, port: number, status: InstanceStatus = 'passing'): RegistryInstance {
  return { service, id, address: '127.0.0.1', port, version: null, metadata: {}, status, source: 'self', registeredAt: new Date().toISOString(), lastCheck: null };
}

/** A stand-in registry serving /v1/watch the way the contract describes. */
class FakeRegistry {
  server: http.Server;
  port = 0;
  index = 0;
  services: Record<string, RegistryInstance[]> = {};
  streams = new Set<http.ServerResponse>();
  lastEventIds: (string | undefined)[] = [];

  constructor() {
    this.server = http.createServer((req, res) => {
      if (req.url !== '/v1/watch') {
        res.statusCode = 404;
        res.end();
        return;
      }
      this.lastEventIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(`: hello\n\nid: ${this.index}\nevent: snapshot\ndata: ${JSON.stringify({ index: this.index, services: this.services })}\n\n`);
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  change(service: string, instances: RegistryInstance[]): void {
    this.index++;
    this.services[service] = instances;
    for (const s of this.streams) s.write(`id: ${this.index}\nevent: change\ndata: ${JSON.stringify({ index: this.index, service, instances })}\n\n`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}


const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

async function upstreams(...names: string[]): Promise<Upstream[]> {
  const ups = await Promise.all(names.map((n) => startUpstream(n)));
  fixtures.onCleanup(async () => void (await Promise.all(ups.map((u) => u.close()))));
  return ups;
}

async function gatewayWithRegistry(registryUrl: string, staticPorts: number[]): Promise<RunningGateway> {
  return fixtures.gateway({
    config: gatewayConfig([route({ id: 'o#0', service: 'orders', path: '/o' })], { registry: { url: registryUrl, tokenEnv: 'REG_TOKEN' } }),
    discovery: discovery({ orders: staticPorts }),
  });
}

/** A fake registry knowing `p1` as the orders instance, and a gateway watching it. */
async function watchedGateway(p1: Upstream, st: Upstream): Promise<{ registry: FakeRegistry; gw: RunningGateway }> {
  const registry = new FakeRegistry();
  registry.services = { orders: [instance('orders', 'p1', p1.port)] };
  await registry.start();
  const gw = await gatewayWithRegistry(`http://127.0.0.1:${registry.port}`, [st.port]);
  await until(() => gw.gateway.upstreams.describe().orders.source === 'registry');
  return { registry, gw };
}

/** A registry started again on the same port (its process restarted). */
async function restartedRegistry(port: number, index: number, services: Record<string, RegistryInstance[]>): Promise<FakeRegistry> {
  const restarted = new FakeRegistry();
  restarted.port = port;
  restarted.index = index;
  restarted.services = services;
  await restarted.start();
  fixtures.onCleanup(() => restarted.stop());
  await until(() => restarted.lastEventIds.length > 0, 8000);
  return restarted;
}

describe('gateway registry watch', () => {
  it('uses discovery.json static instances while the registry was never reached', async () => {
    const [st] = await upstreams('static');
    const gw = await gatewayWithRegistry(`http://127.0.0.1:${await deadPort()}`, [st.port]);
    const r = await send(gw.port, '/o/x');
    expect(r.headers['x-upstream']).toBe('static');
    expect(gw.gateway.upstreams.describe().orders.source).toBe('static');
  });

  it('balances over passing registry instances only, and applies changes live', async () => {
    const [st, p1, p2, crit] = await upstreams('static', 'p1', 'p2', 'crit');
    const registry = new FakeRegistry();
    registry.services = { orders: [instance('orders', 'p1', p1.port), instance('orders', 'crit', crit.port, 'critical')] };
    await registry.start();
    fixtures.onCleanup(() => registry.stop());
    const gw = await gatewayWithRegistry(`http://127.0.0.1:${registry.port}`, [st.port]);
    await until(() => gw.gateway.upstreams.describe().orders.source === 'registry');
    for (let i = 0; i < 4; i++) expect((await send(gw.port, '/o/x')).headers['x-upstream']).toBe('p1');

    const added = Date.now();
    registry.change('orders', [instance('orders', 'p1', p1.port), instance('orders', 'p2', p2.port), instance('orders', 'crit', crit.port, 'critical')]);
    await until(async () => (await send(gw.port, '/o/x')).headers['x-upstream'] === 'p2');
    expect(Date.now() - added).toBeLessThan(1000);
    expect(crit.requests).toHaveLength(0);
    expect(st.requests).toHaveLength(0);

    registry.change('orders', [instance('orders', 'p2', p2.port)]);
    await until(() => gw.gateway.upstreams.describe().orders.instances.length === 1);
    for (let i = 0; i < 3; i++) expect((await send(gw.port, '/o/x')).headers['x-upstream']).toBe('p2');
  });

  it('keeps the last known instances while the registry is down and resumes with Last-Event-ID', async () => {
    const [st, p1] = await upstreams('static', 'p1');
    const { registry, gw } = await watchedGateway(p1, st);
    registry.change('orders', [instance('orders', 'p1', p1.port)]);
    await new Promise((r) => setTimeout(r, 50));

    await registry.stop(); // the registry restarts...
    for (let i = 0; i < 5; i++) expect((await send(gw.port, '/o/x')).headers['x-upstream']).toBe('p1');

    const restarted = await restartedRegistry(registry.port, 7, { orders: [instance('orders', 'p1', p1.port)] });
    expect(restarted.lastEventIds[0]).toBe('1');
    expect((await send(gw.port, '/o/x')).headers['x-upstream']).toBe('p1');
    expect(st.requests).toHaveLength(0);
  });

  it('does not drop live instances for a restarted registry whose first snapshot is still empty', async () => {
    const [st, p1] = await upstreams('static', 'p1');
    const { registry, gw } = await watchedGateway(p1, st);
    await registry.stop();

    // Restarted registry: instances have not re-registered yet.
    const restarted = await restartedRegistry(registry.port, 100, { orders: [] });
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) expect((await send(gw.port, '/o/x')).headers['x-upstream']).toBe('p1');

    // The instance re-registers: a change event is believed at once.
    restarted.change('orders', [instance('orders', 'p1b', p1.port)]);
    await until(() => gw.gateway.upstreams.describe().orders.instances[0]?.startsWith('p1b@') ?? false);
    expect((await send(gw.port, '/o/x')).status).toBe(200);
  });
});
