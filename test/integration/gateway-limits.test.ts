// Bad input and header hygiene: 413/414/431, Content-Length + Transfer-Encoding, hop-by-hop
// removal, identity headers a client must not set, X-Forwarded-* and trusted proxies,
// slowloris protection.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, rawRequest, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

describe('gateway limits and headers', () => {
  let up: Upstream;
  let gw: RunningGateway;
  let trustingGw: RunningGateway;

  beforeAll(async () => {
    up = await startUpstream('u');
    const d = discovery({ s: [up.port] });
    gw = await startGateway({ config: gatewayConfig([route({ service: 's', path: '/s', maxBodyBytes: 1000 })]), discovery: d, serverTimeouts: { headersMs: 500 } });
    trustingGw = await startGateway({ config: gatewayConfig([route({ service: 's', path: '/s' })], { trustedProxies: ['127.0.0.0/8'] }), discovery: d });
  });
  afterAll(async () => {
    await gw.close();
    await trustingGw.close();
    await up.close();
  });

  it('refuses a body over the route limit with 413 (Content-Length)', async () => {
    const before = up.requests.length;
    const r = await send(gw.port, '/s/x', { method: 'POST', body: 'x'.repeat(1001) });
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ error: 'payload_too_large', route: 's#0' });
    expect(up.requests.length).toBe(before);
  });

  it('refuses a chunked body that grows over the limit with 413', async () => {
    const response = await rawRequest(
      gw.port,
      'POST /s/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + '200\r\n' + 'x'.repeat(512) + '\r\n' + '200\r\n' + 'y'.repeat(512) + '\r\n0\r\n\r\n',
    );
    expect(response).toMatch(/^HTTP\/1.1 413/);
    expect(response).toContain('payload_too_large');
  });

  it('answers 414 to an over-long URL', async () => {
    const r = await send(gw.port, '/s/' + 'a'.repeat(9000));
    expect(r.status).toBe(414);
    expect(r.json().error).toBe('uri_too_long');
    const huge = await rawRequest(gw.port, `GET /s/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1.1 414/);
  });

  it('answers 431 to oversized headers', async () => {
    const response = await rawRequest(gw.port, `GET /s/x HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1.1 431/);
    expect(response).toContain('request_headers_too_large');
  });

  it('refuses Content-Length together with Transfer-Encoding (400) and nothing reaches the upstream', async () => {
    const before = up.requests.length;
    const response = await rawRequest(
      gw.port,
      'POST /s/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /s/smuggled HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    expect(response).toMatch(/^HTTP\/1.1 400/);
    expect(response).toContain('bad_request');
    await new Promise((r) => setTimeout(r, 100));
    expect(up.requests.length).toBe(before);
  });

  it('removes hop-by-hop headers, including those named in Connection', async () => {
    const r = await send(gw.port, '/s/x', {
      headers: { connection: 'keep-alive, x-secret-hop', 'x-secret-hop': '1', 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic eA==', te: 'trailers', 'x-normal': 'yes' },
    });
    const seen = r.json().headers;
    expect(seen['x-secret-hop']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['x-normal']).toBe('yes');
  });

  it('removes hop-by-hop headers from the upstream answer', async () => {
    const hop = await startUpstream('hop', (_req, res) => {
      res.setHeader('connection', 'x-internal');
      res.setHeader('x-internal', 'secret');
      res.setHeader('x-public', 'ok');
      res.end('hi');
    });
    const g = await startGateway({ config: gatewayConfig([route({ service: 'h', path: '/h' })]), discovery: discovery({ h: [hop.port] }) });
    const r = await send(g.port, '/h');
    expect(r.headers['x-internal']).toBeUndefined();
    expect(r.headers['x-public']).toBe('ok');
    await g.close();
    await hop.close();
  });

  it('handles Expect: 100-continue itself and forwards the body', async () => {
    const response = await rawRequest(gw.port, 'POST /s/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nabc');
    expect(response).toMatch(/^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200/);
    expect(response).toContain('"body":"abc"');
  });

  it('strips identity headers a client tries to set', async () => {
    const r = await send(gw.port, '/s/x', { headers: { 'x-portico-consumer': 'admin', 'x-portico-claims': '{"sub":"admin"}' } });
    const seen = r.json().headers;
    expect(seen['x-portico-consumer']).toBeUndefined();
    expect(seen['x-portico-claims']).toBeUndefined();
  });

  it('sets X-Forwarded-* itself for untrusted clients', async () => {
    const r = await send(gw.port, '/s/x', { headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', host: 'api.local:8080' } });
    const seen = r.json().headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('api.local:8080');
  });

  it('extends X-Forwarded-* from a trusted proxy', async () => {
    const r = await send(trustingGw.port, '/s/x', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' } });
    const seen = r.json().headers;
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('shop.example');
  });

  it('closes connections that send headers too slowly (slowloris)', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = net.connect(gw.port, '127.0.0.1', () => socket.write('GET /s/x HTTP/1.1\r\nHost: a\r\n'));
      const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 100);
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
    });
    expect(closedAfter).toBeLessThan(3_000);
  });
});
