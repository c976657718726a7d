// Health probes against real local servers: HTTP 2xx / 5xx / hang / refused, TCP connect,
// TTL expiry and removal, each observed through the registry's watch stream.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/runtime/registry/registry.js';
import { httpProbe, tcpProbe } from '../../src/runtime/registry/probe.js';
import { discoveryFor, SseReader, waitFor } from '../helpers/registry.js';
import type { RegistryInstance, WatchChange } from '../../src/runtime/contract/index.js';

const TOKEN = 't0ken';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

/** An HTTP instance whose health answer the test controls. */
async function httpInstance() {
  const state = { status: 200, hang: false };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (state.hang) return; // never answers
    res.writeHead(req.url === '/healthz' ? state.status : 404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  const port = await listen(server);
  return { state, port, server };
}

async function registryWith(services: Parameters<typeof discoveryFor>[0]): Promise<{ registry: RunningRegistry; watch: SseReader }> {
  const registry = await startRegistry({ discovery: discoveryFor(services), token: TOKEN, networks: [], host: '127.0.0.1' });
  cleanups.push(() => registry.close());
  const watch = new SseReader(`${registry.url}/v1/watch`);
  cleanups.push(() => watch.close());
  expect((await watch.next()).event).toBe('snapshot');
  return { registry, watch };
}

const statusOf = (id: string) => (e: { data: unknown }) => ((e.data as WatchChange).instances ?? []).find((i: RegistryInstance) => i.id === id)?.status;

describe('registry probes', () => {
  it('probe functions tell 2xx, 5xx, refused, timeout and TCP apart', async () => {
    const ok = await httpInstance();
    expect(await httpProbe('127.0.0.1', ok.port, '/healthz', 500)).toEqual({ ok: true, output: 'HTTP GET /healthz: 200' });
    expect(await httpProbe('127.0.0.1', ok.port, '/other', 500)).toEqual({ ok: false, output: 'HTTP GET /other: 404' });
    // Names go through the probe's own bounded lookup; localhost never leaves the machine.
    expect(await httpProbe('localhost', ok.port, '/healthz', 500)).toEqual({ ok: true, output: 'HTTP GET /healthz: 200' });
    expect(await tcpProbe('localhost', ok.port, 500)).toMatchObject({ ok: true });
    ok.state.hang = true;
    expect(await httpProbe('127.0.0.1', ok.port, '/healthz', 150)).toEqual({ ok: false, output: 'HTTP GET /healthz: no response within 150 ms' });
    const closed = net.createServer();
    const freePort = await listen(closed);
    await new Promise((r) => closed.close(r));
    expect((await httpProbe('127.0.0.1', freePort, '/healthz', 500)).output).toMatch(/ECONNREFUSED/);
    expect((await tcpProbe('127.0.0.1', freePort, 500)).ok).toBe(false);
    const tcp = net.createServer((s) => s.end());
    expect(await tcpProbe('127.0.0.1', await listen(tcp), 500)).toMatchObject({ ok: true });
  });

  it('turns a registered HTTP instance passing, critical after N failed probes, and passing again after a heartbeat', async () => {
    const inst = await httpInstance();
    const { registry, watch } = await registryWith({ orders: { intervalMs: 200, timeoutMs: 150, failuresBeforeCritical: 2 } });
    const put = await fetch(`${registry.url}/v1/services/orders/instances/shop-orders-1`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ address: '127.0.0.1', port: inst.port }) });
    expect(put.status).toBe(201);
    expect(statusOf('shop-orders-1')(await watch.next())).toBe('warning');
    expect(statusOf('shop-orders-1')(await watch.next())).toBe('passing');

    inst.state.status = 503;
    const critical = await watch.until((e) => statusOf('shop-orders-1')(e) === 'critical', 3000);
    expect((critical.data as WatchChange).instances[0]!.lastCheck).toMatchObject({ status: 'critical', output: 'HTTP GET /healthz: 503' });

    // Answering again is not enough for a self-registered instance (its IP may belong to
    // another container by now): it comes back with its next heartbeat.
    inst.state.status = 200;
    await waitFor(() => /critical until the instance heartbeats/.test(registry.catalog.instance('orders', 'shop-orders-1')!.lastCheck!.output), 3000, 'a passing probe');
    expect(registry.catalog.instance('orders', 'shop-orders-1')!.status).toBe('critical');
    const beat = await fetch(`${registry.url}/v1/services/orders/instances/shop-orders-1/heartbeat`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await beat.json()).toMatchObject({ status: 'passing' });
    await watch.until((e) => statusOf('shop-orders-1')(e) === 'passing', 3000);

    inst.state.hang = true;
    await watch.until((e) => statusOf('shop-orders-1')(e) === 'critical', 3000);
    expect(registry.catalog.instance('orders', 'shop-orders-1')!.lastCheck!.output).toMatch(/no response within 150 ms/);
  });

  it('checks static image instances over TCP', async () => {
    const sockets = new Set<net.Socket>();
    const tcp = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const port = await listen(tcp);
    const { registry, watch } = await registryWith({ cache: { kind: 'image', port, check: { type: 'tcp' }, instances: [{ id: 'shop-cache-1', address: '127.0.0.1', port }] } });
    expect(registry.catalog.instance('cache', 'shop-cache-1')).toMatchObject({ status: 'passing', source: 'static' });
    await new Promise((r) => tcp.close(r));
    sockets.forEach((s) => s.destroy());
    await watch.until((e) => statusOf('shop-cache-1')(e) === 'critical', 3000);
    expect(registry.catalog.instance('cache', 'shop-cache-1')!.lastCheck!.output).toMatch(/ECONNREFUSED/);
  });

  it('marks a silent instance critical when its TTL runs out, then removes it after deregisterAfter', async () => {
    const inst = await httpInstance();
    const { registry, watch } = await registryWith({ orders: { intervalMs: 200, deregisterAfterMs: 300 } });
    const startedAt = Date.now();
    await fetch(`${registry.url}/v1/services/orders/instances/shop-orders-1`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ address: '127.0.0.1', port: inst.port, ttlMs: 1000 }) });
    await watch.until((e) => statusOf('shop-orders-1')(e) === 'passing');
    await watch.until((e) => statusOf('shop-orders-1')(e) === 'critical', 3000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(registry.catalog.instance('orders', 'shop-orders-1')!.lastCheck!.output).toMatch(/TTL of 1000 ms expired/);
    const removed = await watch.until((e) => (e.data as WatchChange).instances.length === 0, 3000);
    expect(removed.data).toMatchObject({ service: 'orders', instances: [] });
    await waitFor(() => registry.catalog.instance('orders', 'shop-orders-1') === null);
  });
});
