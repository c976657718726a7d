// `portico export compose`, the pure part: the compose file is the stack `up` plans.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/manifest/load.js';
import { compileDiscovery } from '../../../src/compile/discovery.js';
import { gatewaySecretEnvNames, planStack } from '../../../src/compile/plan.js';
import { escapeCompose, exportCompose, type ComposeDocument } from '../../../src/compile/export/compose.js';
import { SAMPLE_MANIFEST } from '../../helpers/sample-manifest.js';

const TEXT = SAMPLE_MANIFEST.replace('    image: redis:7\n', '    image: redis:7\n    volumes: ["data:/data"]\n').replace('LOG_LEVEL: info', 'LOG_LEVEL: info, PRICE: "$5"');

function sampleCompose(text = TEXT): ComposeDocument {
  const { manifest } = parseManifest(text, 'portico.yaml');
  const images = { registry: 'portico/registry:0.1.0-aaa', gateway: 'portico/gateway:0.1.0-bbb', orders: 'portico/shop-orders:111', users: 'portico/shop-users:222', cache: 'redis:7' };
  const secrets = gatewaySecretEnvNames(manifest);
  const plan = planStack(manifest, compileDiscovery(manifest), {
    version: '0.1.0',
    configDir: './.portico',
    images,
    registryToken: 'unused',
    gatewayEnv: Object.fromEntries(secrets.map((s) => [s, 'unused'])),
  });
  return exportCompose(plan, { configDir: './.portico', fromEnvironment: ['PORTICO_REGISTRY_TOKEN', ...secrets] });
}

describe('export compose', () => {
  it('one compose service per container of the local stack, named without the project prefix', () => {
    expect(Object.keys(sampleCompose().services)).toEqual(['registry-1', 'orders-1', 'orders-2', 'users-1', 'cache-1', 'gateway-1']);
  });

  it('the gateway is published on the same host address and port, and mounts .portico read-only', () => {
    const gw = sampleCompose().services['gateway-1']!;
    expect(gw.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(gw.volumes).toEqual(['./.portico:/etc/portico:ro']);
    expect(gw.depends_on).toEqual({ 'registry-1': { condition: 'service_healthy' } });
  });

  it('health checks and depends_on with service_healthy follow dependsOn (all replicas); images without a check are waited for as started', () => {
    const s = sampleCompose().services;
    expect(s['orders-1']!.healthcheck).toMatchObject({ interval: '5s', timeout: '4s', retries: 3, start_period: '10s' });
    expect(s['orders-1']!.healthcheck!.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(s['orders-2']!.depends_on).toEqual({
      'registry-1': { condition: 'service_healthy' },
      'users-1': { condition: 'service_healthy' },
      'cache-1': { condition: 'service_started' },
    });
    expect(s['cache-1']!.healthcheck).toBeUndefined();
  });

  it('secrets and the registry token come from the environment of docker-compose, never as values; literal $ are escaped', () => {
    const doc = sampleCompose();
    const gw = doc.services['gateway-1']!.environment;
    expect(gw.SHOP_CI_KEY).toBe('${SHOP_CI_KEY:?SHOP_CI_KEY must be set in the environment of docker-compose}');
    expect(gw.PORTICO_REGISTRY_TOKEN).toMatch(/^\$\{PORTICO_REGISTRY_TOKEN:\?/);
    expect(JSON.stringify(doc)).not.toContain('unused');
    expect(doc.services['orders-1']!.environment.PRICE).toBe('$$5');
    expect(escapeCompose('a$b$$')).toBe('a$$b$$$$');
  });

  it('every container keeps its network aliases plus its container name (discovery.json seeds instances by it)', () => {
    const s = sampleCompose().services;
    expect(s['orders-2']!.networks.default.aliases).toEqual(['orders', 'shop-orders-2']);
    expect(s['registry-1']!.networks.default.aliases).toEqual(['registry', 'shop-registry-1']);
  });

  it('named volumes keep the names `up` gives them', () => {
    const doc = sampleCompose();
    expect(doc.volumes).toEqual({ shop_data: { name: 'shop_data' } });
    expect(doc.services['cache-1']!.volumes).toEqual(['shop_data:/data']);
  });
});
