// Rate limiting: token bucket per IP / API key, RateLimit-* headers, 429 + Retry-After, and a
// flood from one client degrades nothing for the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

describe('gateway rate limiting', () => {
  let up: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    up = await startUpstream('u');
    gw = await startGateway({
      config: gatewayConfig(
        [
          route({ id: 'ip#0', service: 's', path: '/ip', rateLimit: { requests: 5, perMs: 60_000, by: 'ip', burst: 5 } }),
          route({ id: 'key#0', service: 's', path: '/key', auth: 'required', rateLimit: { requests: 3, perMs: 60_000, by: 'apiKey', burst: 3 } }),
          route({ id: 'free#0', service: 's', path: '/free' }),
        ],
        { auth: { apiKeys: [{ name: 'a', env: 'KEY_A' }, { name: 'b', env: 'KEY_B' }], jwt: null } },
      ),
      discovery: discovery({ s: [up.port] }),
      env: { KEY_A: 'key-a', KEY_B: 'key-b' },
      metrics: true,
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('sends RateLimit headers and answers 429 with Retry-After past the limit', async () => {
    const first = await send(gw.port, '/ip/x');
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-limit']).toBe('5');
    expect(first.headers['ratelimit-remaining']).toBe('4');
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(first.headers['ratelimit-policy']).toBe('5;w=60');
    for (let i = 0; i < 4; i++) expect((await send(gw.port, '/ip/x')).status).toBe(200);
    const before = up.requests.length;
    const limited = await send(gw.port, '/ip/x');
    expect(limited.status).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', route: 'ip#0' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(up.requests.length).toBe(before);
  });

  it('keys buckets by API key when configured so', async () => {
    for (let i = 0; i < 3; i++) expect((await send(gw.port, '/key/x', { headers: { 'x-api-key': 'key-a' } })).status).toBe(200);
    expect((await send(gw.port, '/key/x', { headers: { 'x-api-key': 'key-a' } })).status).toBe(429);
    expect((await send(gw.port, '/key/x', { headers: { 'x-api-key': 'key-b' } })).status).toBe(200);
  });

  it('a flood beyond the limit gets 429 and nothing else degrades', async () => {
    const flood = await Promise.all(Array.from({ length: 200 }, () => send(gw.port, '/ip/flood')));
    expect(flood.every((r) => r.status === 429)).toBe(true);
    // Other routes, other keys and the gateway's own endpoints are unaffected.
    expect((await send(gw.port, '/free/x')).status).toBe(200);
    expect((await send(gw.port, '/_portico/health')).status).toBe(200);
    const metrics = await send(gw.port, '/_portico/metrics');
    expect(metrics.body).toMatch(/portico_gateway_rate_limited_total\{route="ip#0"\} \d+/);
  });
});
