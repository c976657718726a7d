import { describe, expect, it } from 'vitest';
import { createTokenCheck } from '../../src/runtime/registry/auth.js';
import { createAddressPolicy, networksFromInterfaces, validateAddress, validateInstanceId, validateRegistration, validateServiceName } from '../../src/runtime/registry/validate.js';

const policy = createAddressPolicy('shop', ['172.20.0.0/16', 'fd00:1::/64']);

describe('registry validation', () => {
  it('accepts DNS-label service names only', () => {
    for (const ok of ['orders', 'a', 'user-profiles', 'v2', 'x'.repeat(63)]) expect(validateServiceName(ok)).toBeNull();
    for (const bad of ['', 'Orders', '-orders', 'orders-', 'or_ders', 'or.ders', 'x'.repeat(64), 'ü']) expect(validateServiceName(bad)).toMatch(/DNS label/);
  });

  it('accepts DNS-safe instance ids (container names)', () => {
    for (const ok of ['shop-orders-1', 'abc123', 'host.example', 'Shop-Orders-2']) expect(validateInstanceId(ok)).toBeNull();
    for (const bad of ['', 'a..b', 'shop_orders_1', 'a/b', `${'x'.repeat(64)}`, 'x.'.repeat(130)]) expect(validateInstanceId(bad)).toMatch(/DNS-safe/);
  });

  it('accepts loopback, the stack subnets and project container names; rejects the rest with the reason', () => {
    for (const ok of ['127.0.0.1', '127.1.2.3', '::1', '172.20.0.5', '172.20.255.254', 'fd00:1::5', 'localhost', 'shop-orders-1', 'SHOP-orders-1']) expect(validateAddress(ok, policy)).toBeNull();
    expect(validateAddress('10.0.0.5', policy)).toBe('address 10.0.0.5 is neither loopback nor inside the stack network (172.20.0.0/16, fd00:1::/64)');
    expect(validateAddress('172.21.0.5', policy)).toMatch(/neither loopback/);
    expect(validateAddress('fd00:2::5', policy)).toMatch(/neither loopback/);
    expect(validateAddress('example.com', policy)).toMatch(/container name of project "shop"/);
    expect(validateAddress('other-orders-1', policy)).toMatch(/container name/);
    expect(validateAddress('shop-bad_name', policy)).toMatch(/container name/);
  });

  it('derives the stack network from the container interfaces, skipping loopback and link-local', () => {
    const cidrs = networksFromInterfaces({
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: '172.20.0.5', netmask: '255.255.0.0', family: 'IPv4', mac: '02:42:ac:14:00:05', internal: false, cidr: '172.20.0.5/16' },
        { address: 'fe80::42:acff:fe14:5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:42:ac:14:00:05', internal: false, cidr: 'fe80::42:acff:fe14:5/64', scopeid: 2 },
        { address: 'fd00:1::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:42:ac:14:00:05', internal: false, cidr: 'fd00:1::5/64', scopeid: 0 },
      ],
      eth1: [{ address: '10.9.8.7', netmask: '255.255.255.240', family: 'IPv4', mac: '02:42:ac:14:00:06', internal: false, cidr: '10.9.8.7/28' }],
    });
    expect(cidrs).toEqual(['172.20.0.0/16', 'fd00:1::5/64', '10.9.8.0/28']);
    const derived = createAddressPolicy('shop', cidrs);
    expect(validateAddress('10.9.8.14', derived)).toBeNull();
    expect(validateAddress('10.9.8.16', derived)).not.toBeNull();
    expect(validateAddress('fd00:1::ffff', derived)).toBeNull();
  });

  it('validates a registration body with the first reason', () => {
    expect(validateRegistration({ address: '172.20.0.5', port: 3000, version: '1.0.0', metadata: { zone: 'a' }, healthPath: '/healthz', ttlMs: 5000 }, policy)).toEqual({
      ok: true,
      value: { address: '172.20.0.5', port: 3000, version: '1.0.0', metadata: { zone: 'a' }, healthPath: '/healthz', ttlMs: 5000 },
    });
    const reason = (body: unknown) => {
      const result = validateRegistration(body, policy);
      return result.ok ? null : result.reason;
    };
    expect(reason({ address: '172.20.0.5', port: 0 })).toMatch(/^port: /);
    expect(reason({ address: '172.20.0.5', port: 70000 })).toMatch(/^port: /);
    expect(reason({ address: '172.20.0.5', port: 3000.5 })).toMatch(/^port: /);
    expect(reason({ port: 3000 })).toMatch(/^address: /);
    expect(reason([])).toMatch(/^body: /);
    expect(reason({ address: '172.20.0.5', port: 3000, extra: 1 })).toMatch(/extra/);
    expect(reason({ address: '8.8.8.8', port: 3000 })).toMatch(/neither loopback/);
    expect(reason({ address: '172.20.0.5', port: 3000, healthPath: 'healthz' })).toMatch(/healthPath must start with "\/"/);
    expect(reason({ address: '172.20.0.5', port: 3000, ttlMs: 10 })).toMatch(/^ttlMs: /);
    expect(reason({ address: '172.20.0.5', port: 3000, version: 'v'.repeat(65) })).toMatch(/^version: /);
    expect(reason({ address: '172.20.0.5', port: 3000, metadata: { a: 'x'.repeat(257) } })).toMatch(/^metadata\.a: /);
    expect(reason({ address: '172.20.0.5', port: 3000, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) })).toMatch(/at most 32/);
    expect(reason({ address: '172.20.0.5', port: 3000, metadata: { 'bad key': 'v' } })).toMatch(/metadata key "bad key"/);
  });
});

describe('registry token check', () => {
  it('accepts only the exact bearer token', () => {
    const check = createTokenCheck('s3cret-token');
    expect(check('Bearer s3cret-token')).toBe(true);
    expect(check('bearer s3cret-token')).toBe(true);
    expect(check(undefined)).toBe(false);
    expect(check('')).toBe(false);
    expect(check('Bearer s3cret')).toBe(false);
    expect(check('Bearer s3cret-token-longer')).toBe(false);
    expect(check('Basic s3cret-token')).toBe(false);
    expect(check('s3cret-token')).toBe(false);
  });

  it('refuses an empty token', () => {
    expect(() => createTokenCheck('')).toThrow(/must not be empty/);
  });
});
