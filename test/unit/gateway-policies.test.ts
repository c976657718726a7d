import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../src/runtime/gateway/features/rate-limit/token-bucket.js';
import { ResponseFacts, parseCacheControl, storableTtl, variantKey, varyNames } from '../../src/runtime/gateway/features/cache/store.js';
import { CompiledCors } from '../../src/runtime/gateway/features/cors/policy.js';
import { TrustedProxies, clientAddress } from '../../src/runtime/gateway/trusted.js';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the configured rate', () => {
    const l = new TokenBucketLimiter({ requests: 10, perMs: 1000, by: 'ip', burst: 3 });
    expect([0, 0, 0].map(() => l.take('a', 0).allowed)).toEqual([true, true, true]);
    const denied = l.take('a', 0);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, limit: 3, retryAfterSeconds: 1 });
    expect(l.take('b', 0).allowed).toBe(true); // another key
    expect(l.take('a', 100).allowed).toBe(true); // one token per 100 ms
    expect(l.take('a', 100).allowed).toBe(false);
  });

  it('reports seconds until full and sweeps full buckets', () => {
    const l = new TokenBucketLimiter({ requests: 60, perMs: 60_000, by: 'ip', burst: 60 });
    for (let i = 0; i < 30; i++) l.take('a', 0);
    expect(l.take('a', 0).resetSeconds).toBe(31);
    l.take('b', 0);
    l.sweep(10_000);
    expect(l.size).toBe(1); // b refilled (1 token in 1 s), a still draining
    l.sweep(120_000);
    expect(l.size).toBe(0);
  });
});

describe('cache policy', () => {
  const facts = (headers: Record<string, string>) => {
    const f = new ResponseFacts();
    for (const [k, v] of Object.entries(headers)) f.responseHeader(k, v);
    return f;
  };

  it('parses Cache-Control', () => {
    expect(parseCacheControl('public, max-age=60, s-maxage="30"')).toEqual({ noStore: false, noCache: false, private: false, maxAge: 60, sMaxAge: 30 });
    expect(parseCacheControl('No-Store')).toMatchObject({ noStore: true });
    expect(parseCacheControl(undefined)).toMatchObject({ maxAge: null });
  });

  it('computes the storable TTL', () => {
    expect(storableTtl(10_000, 200, facts({}))).toBe(10_000);
    expect(storableTtl(10_000, 200, facts({ 'cache-control': 'max-age=2' }))).toBe(2_000);
    expect(storableTtl(10_000, 200, facts({ 'cache-control': 'max-age=60, s-maxage=5' }))).toBe(5_000);
    expect(storableTtl(10_000, 200, facts({ 'cache-control': 'private' }))).toBe(0);
    expect(storableTtl(10_000, 200, facts({ 'cache-control': 'no-store' }))).toBe(0);
    expect(storableTtl(10_000, 200, facts({ 'set-cookie': 'a=b' }))).toBe(0);
    expect(storableTtl(10_000, 200, facts({ vary: '*' }))).toBe(0);
    expect(storableTtl(10_000, 500, facts({}))).toBe(0);
    expect(storableTtl(10_000, 404, facts({}))).toBe(10_000);
  });

  it('builds variant keys from Vary', () => {
    const names = varyNames('Accept-Language, accept-encoding');
    expect(names).toEqual(['accept-encoding', 'accept-language']);
    const h = (n: string) => ({ 'accept-language': 'fr', 'accept-encoding': 'gzip' })[n];
    expect(variantKey('k', names, h)).toBe('k\u0001accept-encoding=gzip\u0001accept-language=fr');
    expect(variantKey('k', [], h)).toBe('k');
  });
});

describe('CompiledCors', () => {
  const cors = new CompiledCors({ origins: ['https://app.example/'], methods: [], headers: [], exposeHeaders: [], credentials: false, maxAgeSeconds: 60 });
  it('allows listed origins case-insensitively, without trailing slash', () => {
    expect(cors.allows('https://APP.example')).toBe(true);
    expect(cors.allows('https://other.example')).toBe(false);
  });
  it('echoes requested headers when no list is configured', () => {
    const answer = cors.preflight('https://app.example', 'PATCH', 'x-custom');
    expect(answer.status).toBe(204);
    expect(answer.headers).toContain('x-custom');
    expect(cors.preflight('https://app.example', 'TRACE', undefined).status).toBe(403);
  });
});

describe('trusted proxies', () => {
  const t = new TrustedProxies(['10.0.0.0/8', '::1']);
  it('matches CIDRs, IPv4-mapped IPv6 and single addresses', () => {
    expect(t.has('10.1.2.3')).toBe(true);
    expect(t.has('::ffff:10.1.2.3')).toBe(true);
    expect(t.has('::1')).toBe(true);
    expect(t.has('192.168.1.1')).toBe(false);
  });
  it('takes the nearest untrusted hop as the client', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.5, 10.0.0.7', t)).toBe('203.0.113.5');
    expect(clientAddress('192.168.1.1', '203.0.113.5', t)).toBe('192.168.1.1');
  });
  it('rejects entries that are not addresses', () => {
    expect(() => new TrustedProxies(['not-an-ip'])).toThrow(/trustedProxies/);
  });
});
