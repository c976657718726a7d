// Response cache: MISS then HIT, TTL capped by max-age, no-store/private/Set-Cookie never
// stored, Vary honoured, never shared across credentials, bypass for unverified credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

describe('gateway response cache', () => {
  let up: Upstream;
  let gw: RunningGateway;
  let counter = 0;

  beforeAll(async () => {
    up = await startUpstream('u', (req, res) => {
      const url = new URL(req.url!, 'http://x');
      const cc = url.searchParams.get('cc');
      if (cc !== null) res.setHeader('cache-control', cc);
      if (url.searchParams.has('vary')) res.setHeader('vary', 'Accept-Language');
      if (url.searchParams.has('cookie')) res.setHeader('set-cookie', 'a=b');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ n: ++counter, lang: req.headers['accept-language'] ?? null, consumer: req.headers['x-portico-consumer'] ?? null }));
    });
    gw = await startGateway({
      config: gatewayConfig(
        [
          route({ id: 'c#0', service: 's', path: '/c', cache: { ttlMs: 60_000 } }),
          route({ id: 'auth#0', service: 's', path: '/a', auth: 'required', cache: { ttlMs: 60_000 } }),
          route({ id: 'nc#0', service: 's', path: '/nc' }),
        ],
        { auth: { apiKeys: [{ name: 'one', env: 'K1' }, { name: 'two', env: 'K2' }], jwt: null } },
      ),
      discovery: discovery({ s: [up.port] }),
      env: { K1: 'key-one', K2: 'key-two' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('serves the second GET from cache with x-cache HIT', async () => {
    const a = await send(gw.port, '/c/item');
    const b = await send(gw.port, '/c/item');
    expect(a.headers['x-cache']).toBe('MISS');
    expect(b.headers['x-cache']).toBe('HIT');
    expect(b.json().n).toBe(a.json().n);
    expect(b.headers['x-request-id']).not.toBe(a.headers['x-request-id']);
    const head = await send(gw.port, '/c/item', { method: 'HEAD' });
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.body).toBe('');
  });

  it('keys on the query string', async () => {
    const a = await send(gw.port, '/c/q?x=1');
    const b = await send(gw.port, '/c/q?x=2');
    expect(b.headers['x-cache']).toBe('MISS');
    expect(b.json().n).not.toBe(a.json().n);
  });

  it('never stores no-store, private, no-cache or Set-Cookie answers', async () => {
    for (const q of ['cc=no-store', 'cc=private', 'cc=no-cache', 'cookie=1', 'cc=max-age%3D0']) {
      await send(gw.port, `/c/never?${q}`);
      const again = await send(gw.port, `/c/never?${q}`);
      expect(again.headers['x-cache'], q).toBe('MISS');
    }
  });

  it('caps the route TTL with the upstream max-age', async () => {
    await send(gw.port, '/c/short?cc=max-age%3D1');
    expect((await send(gw.port, '/c/short?cc=max-age%3D1')).headers['x-cache']).toBe('HIT');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await send(gw.port, '/c/short?cc=max-age%3D1')).headers['x-cache']).toBe('MISS');
  });

  it('honours Vary', async () => {
    const en = await send(gw.port, '/c/v?vary=1', { headers: { 'accept-language': 'en' } });
    const fr = await send(gw.port, '/c/v?vary=1', { headers: { 'accept-language': 'fr' } });
    expect(fr.headers['x-cache']).toBe('MISS');
    expect(fr.json().lang).toBe('fr');
    const en2 = await send(gw.port, '/c/v?vary=1', { headers: { 'accept-language': 'en' } });
    expect(en2.headers['x-cache']).toBe('HIT');
    expect(en2.json().n).toBe(en.json().n);
  });

  it('never serves a response cached for one credential to another', async () => {
    const one = await send(gw.port, '/a/me', { headers: { 'x-api-key': 'key-one' } });
    const oneAgain = await send(gw.port, '/a/me', { headers: { 'x-api-key': 'key-one' } });
    const two = await send(gw.port, '/a/me', { headers: { 'x-api-key': 'key-two' } });
    expect(oneAgain.headers['x-cache']).toBe('HIT');
    expect(two.headers['x-cache']).toBe('MISS');
    expect(two.json().consumer).toBe('two');
    expect(one.json().consumer).toBe('one');
    // A cached entry still needs valid credentials.
    expect((await send(gw.port, '/a/me')).status).toBe(401);
  });

  it('bypasses the cache for credentials the gateway did not verify', async () => {
    await send(gw.port, '/c/private-ish', { headers: { authorization: 'Bearer abc' } });
    const again = await send(gw.port, '/c/private-ish', { headers: { authorization: 'Bearer abc' } });
    expect(again.headers['x-cache']).toBe('MISS');
    const anon = await send(gw.port, '/c/private-ish');
    expect(anon.headers['x-cache']).toBe('MISS');
    await send(gw.port, '/c/cookie', { headers: { cookie: 'session=1' } });
    expect((await send(gw.port, '/c/cookie', { headers: { cookie: 'session=1' } })).headers['x-cache']).toBe('MISS');
  });

  it('leaves routes without cache alone', async () => {
    const r = await send(gw.port, '/nc/x');
    expect(r.headers['x-cache']).toBeUndefined();
  });
});
