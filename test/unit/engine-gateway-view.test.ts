// Waiting for the gateway to route to a new instance (engine/gateway-view.ts): the URL from the
// gateway's published ports, what a /_portico/health body says of an instance, and the waiter
// against a local HTTP server answering like the gateway's health endpoint (on 127.0.0.1).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayUrlFromPorts, routingOf, waitRoutedByGateway } from '../../src/engine/gateway-view.js';

const health = (upstreams: Record<string, { source: string; instances: string[] }>) => JSON.stringify({ status: 'ok', project: 'p', upstreams });

describe('gatewayUrlFromPorts', () => {
  it('maps the published gateway port to a URL the host can reach', () => {
    expect(gatewayUrlFromPorts([{ containerPort: 8080, hostPort: 18080, hostIp: '127.0.0.1' }])).toBe('http://127.0.0.1:18080');
    expect(gatewayUrlFromPorts([{ containerPort: 8080, hostPort: 18080, hostIp: '0.0.0.0' }])).toBe('http://127.0.0.1:18080');
    expect(gatewayUrlFromPorts([{ containerPort: 8080, hostPort: 18080, hostIp: '::' }])).toBe('http://[::1]:18080');
    expect(gatewayUrlFromPorts([{ containerPort: 8080, hostPort: 18080, hostIp: '::1' }])).toBe('http://[::1]:18080');
    expect(gatewayUrlFromPorts([{ containerPort: 3000, hostPort: 3000, hostIp: '127.0.0.1' }])).toBeNull();
  });
});

describe('routingOf', () => {
  it('is routed once the upstream lists the instance id', () => {
    const body = health({ one: { source: 'registry', instances: ['p-one-1-abc@172.18.0.4:3000', 'p-one-1@172.18.0.3:3000'] } });
    expect(routingOf(body, 'one', 'p-one-1-abc')).toBe('routed');
    expect(routingOf(body, 'one', 'p-one-1')).toBe('routed');
    // A prefix of another id is not that id.
    expect(routingOf(body, 'one', 'p-one-1-ab')).toBe('not-yet');
  });

  it('cannot tell without an upstream for the service, from static discovery, or from a body that is not health', () => {
    expect(routingOf(health({ two: { source: 'registry', instances: [] } }), 'one', 'x')).toBe('unknown');
    expect(routingOf(health({ one: { source: 'static', instances: ['x@1.2.3.4:3000'] } }), 'one', 'x')).toBe('unknown');
    expect(routingOf('<html>', 'one', 'x')).toBe('unknown');
  });
});

describe('waitRoutedByGateway', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const serve = async (answer: (n: number) => { status: number; body: string }) => {
    let n = 0;
    server = http.createServer((req, res) => {
      const { status, body } = req.url === '/_portico/health' ? answer(++n) : { status: 404, body: '' };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, asked: () => n };
  };

  it('polls until the gateway lists the instance', async () => {
    const gw = await serve((n) => ({ status: 200, body: health({ one: { source: 'registry', instances: n >= 4 ? ['new@10.0.0.2:3000'] : ['old@10.0.0.1:3000'] } }) }));
    expect(await waitRoutedByGateway(gw.url, 'one', 'new', 5_000)).toBe('routed');
    expect(gw.asked()).toBe(4);
  });

  it('gives up after its budget, and stops when its signal is aborted', async () => {
    const gw = await serve(() => ({ status: 200, body: health({ one: { source: 'registry', instances: [] } }) }));
    expect(await waitRoutedByGateway(gw.url, 'one', 'new', 150)).toBe('not-yet');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const started = Date.now();
    expect(await waitRoutedByGateway(gw.url, 'one', 'new', 10_000, stop.signal)).toBe('not-yet');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cannot tell when the gateway does not answer 200 or is not there', async () => {
    const gw = await serve(() => ({ status: 503, body: '{}' }));
    expect(await waitRoutedByGateway(gw.url, 'one', 'new', 1_000)).toBe('unknown');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    expect(await waitRoutedByGateway(gw.url, 'one', 'new', 1_000)).toBe('unknown');
  });
});
