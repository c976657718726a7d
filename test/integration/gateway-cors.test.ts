// CORS: preflights answered by the gateway (allowed 204 / refused 403), headers on actual
// requests, credentials mode, and preflights never need credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

describe('gateway CORS', () => {
  let up: Upstream;
  let gw: RunningGateway;
  const cors = { origins: ['http://localhost:5173'], methods: ['GET', 'POST'], headers: ['content-type', 'x-api-key'], exposeHeaders: ['x-request-id'], credentials: true, maxAgeSeconds: 600 };

  beforeAll(async () => {
    up = await startUpstream('u');
    gw = await startGateway({
      config: gatewayConfig(
        [
          route({ id: 'c#0', service: 's', path: '/c', auth: 'required', cors }),
          route({ id: 'star#0', service: 's', path: '/star', cors: { ...cors, origins: ['*'], credentials: false } }),
        ],
        { auth: { apiKeys: [{ name: 'k', env: 'K' }], jwt: null } },
      ),
      discovery: discovery({ s: [up.port] }),
      env: { K: 'secret' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('answers an allowed preflight itself, without credentials', async () => {
    const before = up.requests.length;
    const r = await send(gw.port, '/c/x', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(r.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(r.headers['access-control-allow-headers']).toBe('content-type, x-api-key');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(up.requests.length).toBe(before);
  });

  it('refuses a preflight from another origin or for another method', async () => {
    const origin = await send(gw.port, '/c/x', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    expect(origin.status).toBe(403);
    expect(origin.headers['access-control-allow-origin']).toBeUndefined();
    const method = await send(gw.port, '/c/x', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'DELETE' } });
    expect(method.status).toBe(403);
  });

  it('adds CORS headers to actual requests from allowed origins, errors included', async () => {
    const ok = await send(gw.port, '/c/x', { headers: { origin: 'http://localhost:5173', 'x-api-key': 'secret' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(ok.headers['access-control-expose-headers']).toBe('x-request-id');
    expect(ok.headers.vary).toContain('Origin');
    const denied = await send(gw.port, '/c/x', { headers: { origin: 'http://localhost:5173' } });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const other = await send(gw.port, '/c/x', { headers: { origin: 'http://evil.example', 'x-api-key': 'secret' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('uses "*" for any origin without credentials', async () => {
    const r = await send(gw.port, '/star/x', { headers: { origin: 'http://anywhere.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
