import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/load.js';
import { compileDiscovery } from '../../src/compile/discovery.js';
import { planImages, planStack, selectServices, startWaves, type PlanInputs } from '../../src/compile/plan.js';
import { LABEL } from '../../src/compile/labels.js';

const yaml = `
version: 1
name: shop
gateway:
  port: 18080
  auth:
    apiKeys: [{ name: ci, env: SHOP_CI_KEY }]
services:
  orders:
    template: node-fastify
    port: 3000
    replicas: 2
    dependsOn: [users]
    health: { path: /health, interval: 3s, timeout: 2s, retries: 4, startPeriod: 5s }
    env: { LOG_LEVEL: info }
  users:
    template: node-express
    port: 3001
  cache:
    image: redis:7
    port: 6379
    volumes: ["data:/data"]
`;
const manifest = parseManifest(yaml, '/w/portico.yaml').manifest;
const inputs: PlanInputs = {
  version: '0.1.0',
  configDir: '/w/.portico',
  images: { orders: 'portico/shop-orders:aaa', users: 'portico/shop-users:bbb', cache: 'redis:7', gateway: 'portico/gateway:0.1.0-x', registry: 'portico/registry:0.1.0-y' },
  registryToken: 'tok',
  gatewayEnv: { SHOP_CI_KEY: 'secret' },
};

describe('planStack', () => {
  const plan = planStack(manifest, compileDiscovery(manifest), inputs);
  const byName = Object.fromEntries(plan.containers.map((c) => [c.name, c]));

  it('names and labels every resource', () => {
    expect(plan.network.name).toBe('shop_net');
    expect(plan.containers.map((c) => c.name)).toEqual([
      'shop-registry-1',
      'shop-orders-1',
      'shop-orders-2',
      'shop-users-1',
      'shop-cache-1',
      'shop-gateway-1',
    ]);
    const o2 = byName['shop-orders-2']!;
    expect(o2.labels).toMatchObject({ [LABEL.project]: 'shop', [LABEL.service]: 'orders', [LABEL.replica]: '2', [LABEL.version]: '0.1.0', [LABEL.configHash]: o2.configHash });
    expect(plan.volumes).toEqual([{ name: 'shop_data', labels: expect.objectContaining({ [LABEL.project]: 'shop' }) }]);
  });

  it('injects the service env, aliases and health from the manifest', () => {
    const o1 = byName['shop-orders-1']!;
    expect(o1.env).toMatchObject({
      LOG_LEVEL: 'info',
      PORTICO_PROJECT: 'shop',
      PORTICO_SERVICE: 'orders',
      PORTICO_INSTANCE_ID: 'shop-orders-1',
      PORTICO_REGISTRY_URL: 'http://registry:8500',
      PORTICO_REGISTRY_TOKEN: 'tok',
      PORT: '3000',
      PORTICO_HEALTH_PATH: '/health',
    });
    expect(o1.aliases).toEqual(['orders']);
    expect(o1.health).toMatchObject({ intervalMs: 3000, timeoutMs: 5000, retries: 4, startPeriodMs: 5000 });
    expect(o1.health!.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(o1.ports).toEqual([]);
    expect(byName['shop-cache-1']!.health).toBeUndefined();
    expect(byName['shop-cache-1']!.volumes).toEqual([{ name: 'shop_data', target: '/data' }]);
  });

  it('publishes only the gateway, mounts .portico read-only into registry and gateway, passes secrets', () => {
    const gw = byName['shop-gateway-1']!;
    expect(gw.ports).toEqual([{ hostIp: '127.0.0.1', hostPort: 18080, containerPort: 8080 }]);
    expect(gw.aliases).toEqual(['gateway']);
    expect(gw.env).toMatchObject({ SHOP_CI_KEY: 'secret', PORTICO_REGISTRY_TOKEN: 'tok', PORTICO_CONFIG_DIR: '/etc/portico' });
    expect(gw.binds).toEqual([{ source: '/w/.portico', target: '/etc/portico', readOnly: true }]);
    expect(byName['shop-registry-1']!.binds).toEqual(gw.binds);
    expect(byName['shop-registry-1']!.aliases).toEqual(['registry']);
    expect(plan.containers.filter((c) => c.ports.length > 0).map((c) => c.name)).toEqual(['shop-gateway-1']);
  });

  it('hashes config: same input same hash; a changed image or env changes only that container', () => {
    const again = planStack(manifest, compileDiscovery(manifest), inputs);
    expect(again.containers.map((c) => c.configHash)).toEqual(plan.containers.map((c) => c.configHash));
    const changed = planStack(manifest, compileDiscovery(manifest), { ...inputs, images: { ...inputs.images, users: 'portico/shop-users:ccc' } });
    const diff = changed.containers.filter((c, i) => c.configHash !== plan.containers[i]!.configHash).map((c) => c.name);
    expect(diff).toEqual(['shop-users-1']);
    const newVersion = planStack(manifest, compileDiscovery(manifest), { ...inputs, version: '0.2.0' });
    expect(newVersion.containers.map((c) => c.configHash)).toEqual(plan.containers.map((c) => c.configHash));
  });

  it('starts registry, then services in dependsOn order, then the gateway', () => {
    expect(startWaves(plan).map((w) => w.map((c) => c.name))).toEqual([
      ['shop-registry-1'],
      ['shop-users-1', 'shop-cache-1'],
      ['shop-orders-1', 'shop-orders-2'],
      ['shop-gateway-1'],
    ]);
  });

  it('limits `up <service>` to it and its dependsOn closure', () => {
    expect(selectServices(manifest, ['orders'])).toEqual(['orders', 'users']);
    expect(selectServices(manifest, ['cache'])).toEqual(['cache']);
    const only = planStack(manifest, compileDiscovery(manifest), { ...inputs, only: ['users'] });
    expect(only.containers.map((c) => c.name)).toEqual(['shop-registry-1', 'shop-users-1', 'shop-gateway-1']);
  });

  it('lists images to build, pull and the two runtimes', () => {
    expect(planImages(manifest)).toEqual([
      { kind: 'runtime', runtime: 'registry' },
      { kind: 'runtime', runtime: 'gateway' },
      { kind: 'service', service: 'orders', path: 'services/orders' },
      { kind: 'service', service: 'users', path: 'services/users' },
      { kind: 'pull', service: 'cache', ref: 'redis:7' },
    ]);
  });
});
