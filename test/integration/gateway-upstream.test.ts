// Upstream behaviour: streaming, error mapping (502/504 JSON naming the route), retries on
// another instance, outlier ejection, the circuit breaker, connection reuse, client aborts.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { deadPort, discovery, fixtureScope, gatewayConfig, route, send } from './gateway-helpers.js';

const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

describe('gateway upstream handling', () => {
  it('passes request bodies through untouched, malformed JSON included', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s' })]), discovery: discovery({ s: [up.port] }) });
    const body = '{"broken": [1, 2,, }';
    const r = await send(gw.port, '/s/x', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.json().body).toBe(body);
    expect(r.json().headers['content-type']).toBe('application/json');
  });

  it('streams the response: the first bytes arrive before the upstream finishes', async () => {
    let finish!: () => void;
    const up = await fixtures.upstream('slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      finish = () => res.end('last');
    });
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s' })]), discovery: discovery({ s: [up.port] }) });
    const firstChunk = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: gw.port, path: '/s/stream', agent: false }, (res) => {
          res.setEncoding('utf8');
          res.once('data', (c: string) => {
            resolve(c);
            finish();
            res.resume();
          });
        })
        .on('error', reject);
    });
    expect(firstChunk).toBe('first ');
  });

  it('streams large request bodies (chunked) to the upstream', async () => {
    const up = await fixtures.upstream('u', (_req, res, body) => res.end(String(body.length)));
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s', maxBodyBytes: 10 * 1024 * 1024 })]), discovery: discovery({ s: [up.port] }) });
    const reply = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/s/upload', method: 'POST', agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 97);
      for (let i = 0; i < 32; i++) req.write(chunk);
      req.end();
    });
    expect(reply).toBe(String(32 * 64 * 1024));
  });

  it('answers 502 with a JSON body naming the route when no instance accepts connections', async () => {
    const port = await deadPort();
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ id: 'orders#0', service: 'orders', path: '/o', retries: 0 })]), discovery: discovery({ orders: [port] }) });
    const r = await send(gw.port, '/o/1');
    expect(r.status).toBe(502);
    expect(r.json()).toEqual({ error: 'bad_gateway', message: 'service orders could not be reached', route: 'orders#0' });
    expect(r.body).not.toMatch(/at .*\.ts|Error:/);
  });

  it('answers 504 when the upstream does not send headers in time', async () => {
    const up = await fixtures.upstream('hang', () => {
      /* never answers */
    });
    const gw = await fixtures.gateway({
      config: gatewayConfig([route({ id: 'slow#0', service: 'slow', path: '/slow', timeouts: { connectMs: 500, headerMs: 200, bodyMs: 200 } })]),
      discovery: discovery({ slow: [up.port] }),
    });
    const r = await send(gw.port, '/slow/x');
    expect(r.status).toBe(504);
    expect(r.json()).toMatchObject({ error: 'gateway_timeout', route: 'slow#0' });
  });

  it('retries an idempotent request on another instance after a connection error', async () => {
    const live = await fixtures.upstream('live');
    const dead = await deadPort();
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s', retries: 1 })]), discovery: discovery({ s: [dead, live.port] }) });
    for (let i = 0; i < 6; i++) {
      const r = await send(gw.port, '/s/x');
      expect(r.status).toBe(200);
      expect(r.headers['x-upstream']).toBe('live');
    }
  });

  it('does not retry a request with a body', async () => {
    const live = await fixtures.upstream('live');
    const dead = await deadPort();
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s', retries: 1 })]), discovery: discovery({ s: [dead, live.port] }) });
    const statuses = new Set<number>();
    for (let i = 0; i < 2; i++) statuses.add((await send(gw.port, '/s/x', { method: 'POST', body: 'x' })).status);
    expect(statuses).toEqual(new Set([200, 502]));
  });

  it('ejects an instance that keeps failing (outlier ejection)', async () => {
    const live = await fixtures.upstream('live');
    const dead = await deadPort();
    const gw = await fixtures.gateway({
      config: gatewayConfig([route({ service: 's', path: '/s', retries: 0, circuitBreaker: { failureThreshold: 100, resetAfterMs: 10_000 } })]),
      discovery: discovery({ s: [dead, live.port] }),
    });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await send(gw.port, '/s/x')).status);
    // 5 consecutive failures eject the dead instance; after that every request succeeds.
    expect(statuses.filter((s) => s === 502)).toHaveLength(5);
    expect(statuses.slice(-8).every((s) => s === 200)).toBe(true);
  });

  it('opens the circuit after repeated failures: 503 with Retry-After, then half-open, then closed', async () => {
    let failing = true;
    const up = await fixtures.upstream('flaky', (_req, res) => {
      res.statusCode = failing ? 503 : 200;
      res.end(failing ? 'down' : 'up');
    });
    const gw = await fixtures.gateway({
      config: gatewayConfig([route({ id: 'f#0', service: 'f', path: '/f', circuitBreaker: { failureThreshold: 3, resetAfterMs: 300 } })]),
      discovery: discovery({ f: [up.port] }),
    });
    for (let i = 0; i < 3; i++) expect((await send(gw.port, '/f')).status).toBe(503);
    const before = up.requests.length;
    const open = await send(gw.port, '/f');
    expect(open.status).toBe(503);
    expect(open.json()).toMatchObject({ error: 'service_unavailable', route: 'f#0' });
    expect(Number(open.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(up.requests.length).toBe(before); // the open circuit kept the request away
    expect(gw.gateway.upstreams.describe().f.breaker).toBe('open');
    failing = false;
    await new Promise((r) => setTimeout(r, 350));
    expect((await send(gw.port, '/f')).status).toBe(200); // the half-open trial
    expect(gw.gateway.upstreams.describe().f.breaker).toBe('closed');
  });

  it('reuses upstream connections (keep-alive pool)', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s' })]), discovery: discovery({ s: [up.port] }) });
    for (let i = 0; i < 50; i++) expect((await send(gw.port, '/s/x')).status).toBe(200);
    expect(up.connections).toBe(1);
  });

  it('aborts the upstream request when the client goes away', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const up = await fixtures.upstream('u', (req, res) => {
      res.writeHead(200);
      res.write('partial');
      res.on('close', () => upstreamClosed());
    });
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s' })]), discovery: discovery({ s: [up.port] }) });
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: gw.port, path: '/s/x', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
    });
    await closed;
  });

  it('answers 503 when the service has no instances', async () => {
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ id: 'e#0', service: 'e', path: '/e' })]), discovery: discovery({ e: [] }) });
    const r = await send(gw.port, '/e');
    expect(r.status).toBe(503);
    expect(r.json()).toMatchObject({ error: 'service_unavailable', route: 'e#0' });
  });

  it('relays chunked, empty and large upstream answers intact', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'z');
    const up = await fixtures.upstream('shapes', (req, res) => {
      if (req.url === '/chunked') {
        res.write('a');
        setTimeout(() => res.end('b'), 10);
      } else if (req.url === '/empty') {
        res.statusCode = 204;
        res.end();
      } else {
        res.setHeader('content-length', big.length);
        res.end(big);
      }
    });
    const gw = await fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s' })]), discovery: discovery({ s: [up.port] }) });
    const chunked = await send(gw.port, '/s/chunked');
    expect(chunked.body).toBe('ab');
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    const empty = await send(gw.port, '/s/empty');
    expect(empty.status).toBe(204);
    expect(empty.body).toBe('');
    const large = await send(gw.port, '/s/large');
    expect(large.body.length).toBe(big.length);
    expect(large.headers['content-length']).toBe(String(big.length));
  });
});
