// Observability: x-request-id (kept when valid, else generated), W3C traceparent propagated,
// Prometheus metrics, one JSON access-log line per request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayLogger } from '../../src/runtime/gateway/log.js';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

describe('gateway observability', () => {
  let up: Upstream;
  let gw: RunningGateway;
  const lines: Record<string, unknown>[] = [];
  const logger: GatewayLogger = { info: (o) => lines.push(o as Record<string, unknown>), warn: () => {}, error: () => {} };

  beforeAll(async () => {
    up = await startUpstream('u');
    gw = await startGateway({ config: gatewayConfig([route({ id: 'o#0', service: 'orders', path: '/o' })]), discovery: discovery({ orders: [up.port] }), logger, accessLog: true, metrics: true });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('keeps a valid x-request-id and returns it', async () => {
    const r = await send(gw.port, '/o/x', { headers: { 'x-request-id': 'abc-123' } });
    expect(r.headers['x-request-id']).toBe('abc-123');
    expect(r.json().headers['x-request-id']).toBe('abc-123');
  });

  it('replaces an invalid x-request-id with a generated one', async () => {
    const r = await send(gw.port, '/o/x', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.json().headers['x-request-id']).toBe(r.headers['x-request-id']);
    const generated = await send(gw.port, '/o/x');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('continues a valid traceparent with a new parent span and starts one otherwise', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const r = await send(gw.port, '/o/x', { headers: { traceparent: incoming } });
    const forwarded = r.json().headers.traceparent as string;
    expect(forwarded).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(forwarded).not.toBe(incoming);
    expect(r.headers.traceparent).toBe(forwarded);
    const fresh = await send(gw.port, '/o/x', { headers: { traceparent: 'garbage' } });
    expect(fresh.json().headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('exposes Prometheus metrics per route and service', async () => {
    await send(gw.port, '/o/metrics-probe');
    await send(gw.port, '/nowhere');
    const r = await send(gw.port, '/_portico/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toMatch(/portico_gateway_requests_total\{route="o#0",service="orders",status="200"\} \d+/);
    expect(r.body).toMatch(/portico_gateway_requests_total\{route="\(none\)",service="\(none\)",status="404"\} 1/);
    expect(r.body).toMatch(/portico_gateway_request_duration_seconds_bucket\{le="0.1",route="o#0",service="orders"\}/);
    expect(r.body).toContain('portico_gateway_circuit_state');
  });

  it('writes one JSON access-log line per request', async () => {
    lines.length = 0;
    await send(gw.port, '/o/logged?q=1', { headers: { 'x-request-id': 'log-me' } });
    await new Promise((r) => setTimeout(r, 20));
    const line = lines.find((l) => l.reqId === 'log-me');
    expect(line).toMatchObject({ method: 'GET', url: '/o/logged?q=1', route: 'o#0', service: 'orders', instance: 'test-orders-1', status: 200, attempts: 1, error: null });
    expect(typeof line!.ms).toBe('number');
    expect(lines.filter((l) => l.reqId === 'log-me')).toHaveLength(1);
  });
});
