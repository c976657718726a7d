import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest } from '../../src/manifest/load.js';
import { compileSwarmDiscovery, planSwarm, type SwarmPlanInputs } from '../../src/compile/swarm-plan.js';
import { dockerServiceSpec } from '../../src/engine/swarm/service-spec.js';
import { withMountsResolved, withWorkspaceFiles } from '../../src/engine/workspace-files.js';
import { SAMPLE_MANIFEST } from '../helpers/sample-manifest.js';
import { tempDir } from '../helpers/workspace.js';

const manifest = parseManifest(
  SAMPLE_MANIFEST.replace('    env: { LOG_LEVEL: info }\n', '    env: { LOG_LEVEL: info }\n    resources: { cpus: 0.5, memory: 256mb }\n'),
  '/w/portico.yaml',
).manifest;
const inputs: SwarmPlanInputs = {
  version: '1.2.3',
  images: { registry: 'portico/registry:r', gateway: 'portico/gateway:g', orders: 'portico/shop-orders:o', users: 'portico/shop-users:u', cache: 'redis:7' },
  registryToken: 'tok',
  secretDigests: { SHOP_CI_KEY: 'a'.repeat(64), SHOP_JWT_SECRET: 'b'.repeat(64) },
  gatewayReplicas: 2,
  publish: 'ingress',
};
const byService = (plan: ReturnType<typeof planSwarm>) => Object.fromEntries(plan.services.map((s) => [s.service, s]));

describe('planSwarm', () => {
  it('plans one Swarm service per Portico service plus registry and gateway, on one overlay network', () => {
    const plan = planSwarm(manifest, inputs);
    expect(plan.network).toEqual({ name: 'shop_swarm', labels: { 'dev.portico.project': 'shop', 'dev.portico.version': '1.2.3' } });
    expect(plan.services.map((s) => [s.name, s.replicas])).toEqual([
      ['shop-registry', 1],
      ['shop-orders', 2],
      ['shop-users', 1],
      ['shop-cache', 1],
      ['shop-gateway', 2],
    ]);
    const s = byService(plan);
    expect(s.orders!.aliases).toEqual(['orders']);
    expect(s.registry!.aliases).toEqual(['registry']);
    expect(s.orders!.labels).toMatchObject({ 'dev.portico.project': 'shop', 'dev.portico.service': 'orders', 'dev.portico.config-hash': s.orders!.configHash });
    expect(s.orders!.containerLabels).not.toHaveProperty('dev.portico.replica');
  });

  it('gives each task its own instance id and keeps the health check of `up`', () => {
    const orders = byService(planSwarm(manifest, inputs)).orders!;
    expect(orders.env.PORTICO_INSTANCE_ID).toBe('{{.Task.Name}}');
    expect(orders.env.LOG_LEVEL).toBe('info');
    expect(orders.health).toMatchObject({ intervalMs: 5000, retries: 3, startPeriodMs: 10_000 });
    expect(orders.health!.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    // A plain image keeps its own HEALTHCHECK, as locally.
    expect(byService(planSwarm(manifest, inputs)).cache!.health).toBeUndefined();
  });

  it('mounts gateway.json and discovery.json as content-addressed configs, secrets as files named by env var', () => {
    const plan = planSwarm(manifest, inputs);
    expect(plan.configs.map((c) => c.name)).toEqual([expect.stringMatching(/^shop-gateway-json-[0-9a-f]{12}$/), expect.stringMatching(/^shop-discovery-json-[0-9a-f]{12}$/)]);
    expect(plan.secrets).toEqual([
      { env: 'SHOP_CI_KEY', name: 'shop-shop-ci-key-aaaaaaaaaaaa', labels: plan.network.labels },
      { env: 'SHOP_JWT_SECRET', name: 'shop-shop-jwt-secret-bbbbbbbbbbbb', labels: plan.network.labels },
    ]);
    const s = byService(plan);
    expect(s.gateway!.configs.map((c) => c.target)).toEqual(['/etc/portico/gateway.json', '/etc/portico/discovery.json']);
    expect(s.registry!.configs.map((c) => c.target)).toEqual(['/etc/portico/discovery.json']);
    expect(s.orders!.configs).toEqual([]);
    expect(s.gateway!.secrets.map((x) => [x.target, x.uid, x.mode])).toEqual([
      ['SHOP_CI_KEY', '1000', 0o400],
      ['SHOP_JWT_SECRET', '1000', 0o400],
    ]);
    expect(s.gateway!.env).toMatchObject({ SHOP_CI_KEY_FILE: '/run/secrets/SHOP_CI_KEY', SHOP_JWT_SECRET_FILE: '/run/secrets/SHOP_JWT_SECRET' });
    expect(s.gateway!.env).not.toHaveProperty('SHOP_CI_KEY');
    expect(s.orders!.secrets).toEqual([]);
  });

  it('a new secret value or a new image changes only the services that use it', () => {
    const a = byService(planSwarm(manifest, inputs));
    const b = byService(planSwarm(manifest, { ...inputs, secretDigests: { ...inputs.secretDigests, SHOP_CI_KEY: 'c'.repeat(64) } }));
    const c = byService(planSwarm(manifest, { ...inputs, images: { ...inputs.images, users: 'portico/shop-users:u2' } }));
    const d = byService(planSwarm(manifest, { ...inputs, version: '9.9.9' }));
    for (const name of Object.keys(a)) {
      expect(b[name]!.configHash === a[name]!.configHash, `secret: ${name}`).toBe(name !== 'gateway');
      expect(c[name]!.configHash === a[name]!.configHash, `image: ${name}`).toBe(name !== 'users');
      // The version label alone changes nothing.
      expect(d[name]!.configHash, `version: ${name}`).toBe(a[name]!.configHash);
    }
  });

  it('ingress: only the gateway has a virtual IP and the routing mesh; host: dnsrr everywhere and a global gateway updated stop-first', () => {
    const ingress = byService(planSwarm(manifest, inputs));
    expect(ingress.gateway).toMatchObject({ endpointMode: 'vip', publishMode: 'ingress', updateOrder: 'start-first', replicas: 2, ports: [{ published: 8080, target: 8080 }] });
    expect(ingress.orders).toMatchObject({ endpointMode: 'dnsrr', updateOrder: 'start-first', ports: [] });
    const host = byService(planSwarm(manifest, { ...inputs, publish: 'host' }));
    expect(host.gateway).toMatchObject({ endpointMode: 'dnsrr', publishMode: 'host', updateOrder: 'stop-first', replicas: 'global' });
    expect(host.orders).toMatchObject({ endpointMode: 'dnsrr', updateOrder: 'start-first' });
  });

  it('maps resource limits from the manifest', () => {
    const s = byService(planSwarm(manifest, inputs));
    expect(s.orders!.resources).toEqual({ cpus: 0.5, memoryBytes: 256 * 1024 * 1024 });
    expect(s.users!.resources).toBeUndefined();
  });

  it('a service scaled to 0 gets no Swarm service; its routes stay in gateway.json', () => {
    const zero = parseManifest(SAMPLE_MANIFEST.replace('    replicas: 2\n', '    replicas: 0\n'), '/w/portico.yaml').manifest;
    const plan = planSwarm(zero, inputs);
    expect(plan.services.map((s) => s.service)).not.toContain('orders');
    expect(plan.configs[0]!.content).toContain('"service": "orders"');
  });
});

describe('compileSwarmDiscovery', () => {
  it('seeds only plain images (by their DNS name); template services register themselves', () => {
    const d = compileSwarmDiscovery(manifest);
    expect(d.network).toBe('shop_swarm');
    expect(d.services.orders!.instances).toEqual([]);
    expect(d.services.cache!.instances).toEqual([{ id: 'shop-cache', address: 'cache', port: 6379 }]);
    expect(d.services.orders!.check).toEqual({ type: 'http', path: '/healthz' });
  });
});

describe('dockerServiceSpec', () => {
  const plan = planSwarm(manifest, inputs);
  const ids = {
    configs: new Map(plan.configs.map((c, i) => [c.name, `cfg${i}`])),
    secrets: new Map(plan.secrets.map((s, i) => [s.name, `sec${i}`])),
  };
  const s = byService(plan);

  it('maps health checks to nanoseconds and sets start-first updates with rollback', () => {
    const spec = dockerServiceSpec(s.orders!, 'shop_swarm', ids);
    expect(spec.TaskTemplate.ContainerSpec.HealthCheck).toMatchObject({ Interval: 5e9, Timeout: 4e9, Retries: 3, StartPeriod: 10e9 });
    expect(spec.UpdateConfig).toMatchObject({ Order: 'start-first', FailureAction: 'rollback', Parallelism: 1, Monitor: 5e9 });
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 2 } });
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr', Ports: [] });
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'shop_swarm', Aliases: ['orders'] }]);
    expect(spec.TaskTemplate.Resources).toEqual({ Limits: { NanoCPUs: 5e8, MemoryBytes: 268435456 } });
    expect(spec.TaskTemplate.ContainerSpec.Env).toContain('PORTICO_INSTANCE_ID={{.Task.Name}}');
  });

  it('refers to configs and secrets by id and name, and publishes the gateway', () => {
    const spec = dockerServiceSpec(s.gateway!, 'shop_swarm', ids);
    expect(spec.TaskTemplate.ContainerSpec.Configs[0]).toEqual({ File: { Name: '/etc/portico/gateway.json', UID: '0', GID: '0', Mode: 0o444 }, ConfigID: 'cfg0', ConfigName: plan.configs[0]!.name });
    expect(spec.TaskTemplate.ContainerSpec.Secrets[0]).toEqual({ File: { Name: 'SHOP_CI_KEY', UID: '1000', GID: '1000', Mode: 0o400 }, SecretID: 'sec0', SecretName: plan.secrets[0]!.name });
    expect(spec.EndpointSpec).toEqual({ Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: 8080, PublishMode: 'ingress' }] });
    const host = dockerServiceSpec(byService(planSwarm(manifest, { ...inputs, publish: 'host' })).gateway!, 'shop_swarm', ids);
    expect(host.Mode).toEqual({ Global: {} });
    expect(host.UpdateConfig.Order).toBe('stop-first');
  });

  it('fails loudly when a config was not created', () => {
    expect(() => dockerServiceSpec(s.gateway!, 'shop_swarm', { configs: new Map(), secrets: ids.secrets })).toThrow(/config shop-gateway-json-/);
  });
});

describe('planSwarm with envFile and mounts (resolved as deploy resolves them)', () => {
  const text = SAMPLE_MANIFEST.replace(
    '    env: { LOG_LEVEL: info }\n',
    '    env: { LOG_LEVEL: info }\n    envFile: .env\n    mounts: ["./services/orders/src:/app/src:ro"]\n',
  );

  it('env file values are in the service env (env still wins); mounts are bind mounts pinned to the deploying node', async () => {
    const dir = await tempDir({ '.env': 'LOG_LEVEL=debug\nDB_PASSWORD=s3cret\n' });
    const loaded = { ...parseManifest(text, path.join(dir, 'portico.yaml')), dir };
    const resolved = (await withWorkspaceFiles(loaded, Object.keys(loaded.manifest.services))).manifest;
    const s = byService(planSwarm(resolved, { ...inputs, nodeId: 'node-1' }));
    expect(s.orders!.env).toMatchObject({ LOG_LEVEL: 'info', DB_PASSWORD: 's3cret' });
    expect(s.orders!.binds).toEqual([{ source: path.join(dir, 'services/orders/src'), target: '/app/src', readOnly: true }]);
    expect(s.orders!.constraints).toEqual(['node.id==node-1']);
    // Services without mounts may run anywhere; the gateway and registry use Docker configs, no binds.
    for (const other of ['users', 'cache', 'gateway', 'registry']) expect([s[other]!.binds, s[other]!.constraints]).toEqual([[], []]);
    // The value is in the env only, never in a label.
    expect(JSON.stringify([s.orders!.labels, s.orders!.containerLabels])).not.toContain('s3cret');

    const spec = dockerServiceSpec(s.orders!, 'shop_swarm', { configs: new Map(), secrets: new Map() });
    expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([{ Type: 'bind', Source: path.join(dir, 'services/orders/src'), Target: '/app/src', ReadOnly: true }]);
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: ['node.id==node-1'] });
    expect(spec.TaskTemplate.ContainerSpec.Env).toContain('DB_PASSWORD=s3cret');
    expect(dockerServiceSpec(s.users!, 'shop_swarm', { configs: new Map(), secrets: new Map() }).TaskTemplate).not.toHaveProperty('Placement');

    // A changed env file value updates the service (config hash), as a changed image would.
    await writeFile(path.join(dir, '.env'), 'DB_PASSWORD=other\n');
    const changed = (await withWorkspaceFiles(loaded, Object.keys(loaded.manifest.services))).manifest;
    const again = byService(planSwarm(changed, { ...inputs, nodeId: 'node-1' }));
    expect(again.orders!.configHash).not.toBe(s.orders!.configHash);
    expect(again.users!.configHash).toBe(s.users!.configHash);
  });

  it('a service with mounts and no node to pin it to is a bug, said loudly', () => {
    const loaded = { ...parseManifest(text, '/w/portico.yaml'), dir: '/w' };
    expect(() => planSwarm(withMountsResolved(loaded).manifest, inputs)).toThrow(/services\.orders has mounts but no swarm node/);
  });
});
