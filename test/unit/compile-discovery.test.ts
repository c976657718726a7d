import { describe, expect, it } from 'vitest';
import { compileDiscovery, MIN_DEREGISTER_AFTER_MS, MIN_TTL_MS } from '../../src/compile/discovery.js';
import { toJson } from '../../src/compile/generate.js';
import { parseManifest } from '../../src/manifest/load.js';
import { discoveryConfigSchema } from '../../src/runtime/contract/index.js';
import { SAMPLE_MANIFEST } from '../helpers/sample-manifest.js';

const parse = (text: string) => parseManifest(text, '/w/portico.yaml').manifest;
const sample = () => compileDiscovery(parse(SAMPLE_MANIFEST));

describe('compileDiscovery', () => {
  it('matches the snapshot for the sample manifest', async () => {
    await expect(toJson(sample())).toMatchFileSnapshot('./__snapshots__/sample-discovery.json');
  });

  it('produces a config the registry accepts (contract schema)', () => {
    const config = sample();
    expect(discoveryConfigSchema.parse(config)).toEqual(config);
  });

  it('names the network and one instance per replica after the containers', () => {
    const config = sample();
    expect(config.network).toBe('shop_net');
    expect(config.services.orders!.instances).toEqual([
      { id: 'shop-orders-1', address: 'shop-orders-1', port: 3000 },
      { id: 'shop-orders-2', address: 'shop-orders-2', port: 3000 },
    ]);
    expect(config.services.users!.instances).toEqual([{ id: 'shop-users-1', address: 'shop-users-1', port: 4000 }]);
  });

  it('checks template services over HTTP and images over TCP', () => {
    const config = sample();
    expect(config.services.orders).toMatchObject({ kind: 'template', check: { type: 'http', path: '/healthz' } });
    expect(config.services.cache).toMatchObject({ kind: 'image', port: 6379, check: { type: 'tcp' } });
  });

  it('uses the health block, and defaults without one', () => {
    const config = sample();
    expect(config.services.orders).toMatchObject({ intervalMs: 5000, timeoutMs: 1000, failuresBeforeCritical: 3, startPeriodMs: 10_000, ttlMs: 15_000 });
    expect(config.services.users).toMatchObject({ intervalMs: 2000, timeoutMs: 1000, failuresBeforeCritical: 3, startPeriodMs: 10_000 });
  });

  it('derives the TTL from the interval with a floor, and deregisters after at least a minute', () => {
    const config = compileDiscovery(
      parse('version: 1\nname: a\nservices:\n  fast:\n    template: t\n    health: { interval: 500ms }\n  slow:\n    template: t\n    health: { path: /up, interval: 30s }\n'),
    );
    expect(config.services.fast).toMatchObject({ ttlMs: MIN_TTL_MS, deregisterAfterMs: MIN_DEREGISTER_AFTER_MS });
    expect(config.services.slow).toMatchObject({ ttlMs: 90_000, deregisterAfterMs: 180_000, check: { type: 'http', path: '/up' } });
  });

  it('lists services scaled to zero with no instances', () => {
    const config = compileDiscovery(parse('version: 1\nname: a\nservices:\n  s:\n    template: t\n    replicas: 0\n'));
    expect(config.services.s!.instances).toEqual([]);
  });
});

describe('compileDiscovery: HTTPS services (tls)', () => {
  const withTls = (tls: string) => compileDiscovery(parse(`version: 1\nname: shop\nservices:\n  api:\n    image: example/api:1\n    port: 8443\n    tls: ${tls}\n  plain:\n    image: example/plain:1\n`));

  it('carries tls: true as verified TLS with the address as name, and leaves plain services without the key', () => {
    const config = withTls('true');
    expect(config.services.api!.tls).toEqual({ servername: null, insecureSkipVerify: false });
    expect('tls' in config.services.plain!).toBe(false);
    expect(discoveryConfigSchema.parse(config)).toEqual(config);
  });

  it('carries the object form (servername, insecureSkipVerify)', () => {
    expect(withTls('{ servername: api.example.com, insecureSkipVerify: true }').services.api!.tls).toEqual({ servername: 'api.example.com', insecureSkipVerify: true });
  });

  it('rejects unknown tls keys with the manifest line', () => {
    expect(() => withTls('{ verify: false }')).toThrow(/portico\.yaml:7/);
  });
});
