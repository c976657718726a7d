// `portico export compose`, the pure part: the compose file is the stack `up` plans.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/manifest/load.js';
import { compileDiscovery } from '../../../src/compile/discovery.js';
import { gatewaySecretEnvNames, planStack } from '../../../src/compile/plan.js';
import { composeHostPath, escapeCompose, exportCompose, type ComposeDocument } from '../../../src/compile/export/compose.js';
import { envFilesOf } from '../../../src/manifest/check-service-files.js';
import { withMountsResolved } from '../../../src/engine/workspace-files.js';
import { SAMPLE_MANIFEST } from '../../helpers/sample-manifest.js';

const TEXT = SAMPLE_MANIFEST.replace('    image: redis:7\n', '    image: redis:7\n    volumes: ["data:/data"]\n').replace('LOG_LEVEL: info', 'LOG_LEVEL: info, PRICE: "$5"');

/** The workspace is /w; the compose file goes to `composeDir` (the workspace unless told). */
function sampleCompose(text = TEXT, composeDir = '/w'): ComposeDocument {
  const loaded = { ...parseManifest(text, '/w/portico.yaml'), dir: '/w' };
  // As the command does: mount sources absolute, env files referenced and never read.
  const manifest = withMountsResolved(loaded).manifest;
  const images = { registry: 'portico/registry:0.1.0-aaa', gateway: 'portico/gateway:0.1.0-bbb', orders: 'portico/shop-orders:111', users: 'portico/shop-users:222', cache: 'redis:7' };
  const secrets = gatewaySecretEnvNames(manifest);
  const plan = planStack(manifest, compileDiscovery(manifest), {
    version: '0.1.0',
    configDir: '/w/.portico',
    images,
    registryToken: 'unused',
    gatewayEnv: Object.fromEntries(secrets.map((s) => [s, 'unused'])),
  });
  const envFiles = Object.fromEntries(Object.entries(manifest.services).map(([name, spec]) => [name, envFilesOf(spec)]));
  return exportCompose(plan, { workspaceDir: '/w', composeDir, envFiles, fromEnvironment: ['PORTICO_REGISTRY_TOKEN', ...secrets] });
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

  const WITH_FILES = TEXT.replace(
    '    env: { LOG_LEVEL: info, PRICE: "$5" }\n',
    [
      '    env: { LOG_LEVEL: info, PRICE: "$5" }',
      '    envFile: [.env, services/orders/.env.local]',
      '    mounts:',
      '      - ./services/orders/src:/app/src:ro',
      '      - { source: ../shared/fixtures, target: /fixtures, allowOutside: true }',
      '',
    ].join('\n'),
  ).replace('    dependsOn: [cache]\n', '    dependsOn: [cache]\n    envFile: services/users/.env\n');

  it('mounts: bind sources relative to the compose file (./ or ../), read-only kept, outside the workspace absolute; .portico unchanged', () => {
    const s = sampleCompose(WITH_FILES).services;
    for (const replica of ['orders-1', 'orders-2']) {
      expect(s[replica]!.volumes).toEqual(['./services/orders/src:/app/src:ro', '/shared/fixtures:/fixtures']);
    }
    expect(s['gateway-1']!.volumes).toEqual(['./.portico:/etc/portico:ro']);
    // A compose file written elsewhere (-o deploy/compose.yml) climbs back to the workspace.
    const elsewhere = sampleCompose(WITH_FILES, '/w/deploy').services;
    expect(elsewhere['orders-1']!.volumes).toEqual(['../services/orders/src:/app/src:ro', '/shared/fixtures:/fixtures']);
    expect(elsewhere['registry-1']!.volumes).toEqual(['../.portico:/etc/portico:ro']);
  });

  it('envFile: env_file entries relative to the compose file, in order; values never read; env keeps its own values (environment wins in compose)', () => {
    const s = sampleCompose(WITH_FILES).services;
    expect(s['orders-1']!.env_file).toEqual(['./.env', './services/orders/.env.local']);
    expect(s['orders-2']!.env_file).toEqual(['./.env', './services/orders/.env.local']);
    expect(s['users-1']!.env_file).toEqual(['./services/users/.env']);
    expect(s['orders-1']!.environment).toMatchObject({ LOG_LEVEL: 'info', PRICE: '$$5' });
    for (const other of ['registry-1', 'cache-1', 'gateway-1']) expect(s[other]!.env_file).toBeUndefined();
    expect(sampleCompose(WITH_FILES, '/w/deploy').services['users-1']!.env_file).toEqual(['../services/users/.env']);
  });

  it('composeHostPath: the workspace root, a parent folder, literal paths outside', () => {
    expect(composeHostPath('/w', { workspaceDir: '/w', composeDir: '/w' })).toBe('.');
    expect(composeHostPath('/w', { workspaceDir: '/w', composeDir: '/w/deploy' })).toBe('..');
    expect(composeHostPath('/w/..x/data', { workspaceDir: '/w', composeDir: '/w' })).toBe('./..x/data');
    expect(composeHostPath('/elsewhere/data', { workspaceDir: '/w', composeDir: '/w' })).toBe('/elsewhere/data');
  });
});
