import { describe, expect, it } from 'vitest';
import { PrefixRouter, hostOf, stripPrefix } from '../../src/runtime/gateway/router.js';
import { normalizePath } from '../../src/runtime/gateway/paths.js';

type R = { name: string; path: string; host: string | null; methods: string[] | null };
const r = (name: string, path: string, host: string | null = null, methods: string[] | null = null): R => ({ name, path, host, methods });

describe('PrefixRouter', () => {
  const router = new PrefixRouter<R>(
    [r('root', '/'), r('api', '/api'), r('orders', '/api/orders/'), r('ordersHost', '/api/orders', 'shop.example'), r('getOnly', '/read', null, ['GET'])],
    (x) => x,
  );
  const match = (method: string, host: string, path: string) => router.match(method, host, path)?.value.name;

  it('matches the longest prefix on segment boundaries', () => {
    expect(match('GET', '', '/api/orders/1')).toBe('orders');
    expect(match('GET', '', '/api/orders')).toBe('orders');
    expect(match('GET', '', '/api/ordersX')).toBe('api');
    expect(match('GET', '', '/apix')).toBe('root');
    expect(match('GET', '', '/')).toBe('root');
  });

  it('prefers a host-specific route of the same length', () => {
    expect(match('GET', 'shop.example', '/api/orders/1')).toBe('ordersHost');
  });

  it('filters by method, HEAD following GET', () => {
    expect(match('GET', '', '/read/x')).toBe('getOnly');
    expect(match('HEAD', '', '/read/x')).toBe('getOnly');
    expect(match('POST', '', '/read/x')).toBe('root');
  });

  it('returns undefined without a catch-all', () => {
    const small = new PrefixRouter<R>([r('a', '/a')], (x) => x);
    expect(small.match('GET', '', '/b')).toBeUndefined();
  });
});

describe('stripPrefix / hostOf', () => {
  it('strips to at least "/"', () => {
    expect(stripPrefix('/api/orders/1', '/api/orders')).toBe('/1');
    expect(stripPrefix('/api/orders', '/api/orders')).toBe('/');
    expect(stripPrefix('/x', '')).toBe('/x');
  });
  it('lowercases and drops the port, IPv6 included', () => {
    expect(hostOf('Shop.Example:8080')).toBe('shop.example');
    expect(hostOf('[::1]:8080')).toBe('[::1]');
    expect(hostOf(undefined)).toBe('');
  });
});

describe('normalizePath', () => {
  it('leaves ordinary paths alone', () => {
    expect(normalizePath('/api/orders/1.json')).toBe('/api/orders/1.json');
  });
  it('resolves dot segments, never above the root', () => {
    expect(normalizePath('/a/b/../c')).toBe('/a/c');
    expect(normalizePath('/a/./b')).toBe('/a/b');
    expect(normalizePath('/../../etc')).toBe('/etc');
    expect(normalizePath('/a/%2e%2e/b')).toBe('/b');
    expect(normalizePath('/a/%2E/b/..')).toBe('/a/');
  });
  it('refuses encoded slashes, backslashes, NUL and non-absolute targets', () => {
    expect(normalizePath('/a/%2fb')).toBeNull();
    expect(normalizePath('/a/%5C..')).toBeNull();
    expect(normalizePath('/a\\b')).toBeNull();
    expect(normalizePath('/a%00')).toBeNull();
    expect(normalizePath('http://x/a')).toBeNull();
    expect(normalizePath('*')).toBeNull();
  });
});
