// `portico export kubernetes`, the pure part: every object validates against the official
// Kubernetes JSON schemas (kubernetes-models 4.5.1 = Kubernetes v1.33.0, pinned), the
// HTTPRoute against the Gateway API schema, and no secret value ever appears.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseManifest } from '../../../src/manifest/load.js';
import { compileGateway } from '../../../src/compile/gateway.js';
import { compileDiscovery } from '../../../src/compile/discovery.js';
import { exportKubernetes, KUBERNETES_SCHEMA_VERSION, kubernetesDiscovery, secretCommands, type KubernetesExport, type KubernetesExportOptions } from '../../../src/compile/export/kubernetes.js';
import { SAMPLE_MANIFEST } from '../../helpers/sample-manifest.js';
import { expectValidKubernetes } from '../../helpers/kubernetes-schemas.js';

const SAMPLE_WITH_VOLUME = SAMPLE_MANIFEST.replace('    image: redis:7\n', '    image: redis:7\n    volumes: ["data:/data"]\n    command: [redis-server, --appendonly, "yes"]\n');

function sampleExport(options: Partial<KubernetesExportOptions> = {}, text = SAMPLE_WITH_VOLUME): KubernetesExport {
  const { manifest } = parseManifest(text, 'portico.yaml');
  const images = { registry: 'portico/registry:0.1.0-aaa', gateway: 'portico/gateway:0.1.0-bbb', orders: 'portico/shop-orders:111', users: 'portico/shop-users:222', cache: 'redis:7' };
  return exportKubernetes(manifest, compileGateway(manifest), compileDiscovery(manifest), { images, ...options });
}

const objectsOf = (e: KubernetesExport) => e.files.flatMap((f) => f.objects);

const validateAll = (e: KubernetesExport) => expectValidKubernetes(objectsOf(e));

describe(`export kubernetes (schemas of Kubernetes v${KUBERNETES_SCHEMA_VERSION})`, () => {
  it('every object of the default export validates: Deployments, Services, ConfigMap, PVC, Ingress', () => {
    const kinds = validateAll(sampleExport());
    expect(kinds.sort()).toEqual(
      [
        'ConfigMap/shop-config',
        'Deployment/registry', 'Service/registry',
        'Deployment/orders', 'Service/orders',
        'Deployment/users', 'Service/users',
        'Deployment/cache', 'Service/cache', 'PersistentVolumeClaim/shop-data',
        'Deployment/gateway', 'Service/gateway',
        'Ingress/gateway',
      ].sort(),
    );
  });

  it('with --http-route and --hpa-max: an HTTPRoute (Gateway API v1) and one HPA per template service validate', () => {
    const e = sampleExport({ httpRouteGateway: 'public', hpaMaxReplicas: 6, host: 'shop.example.com' });
    const kinds = validateAll(e);
    expect(kinds).toContain('HTTPRoute/gateway');
    expect(kinds).not.toContain('Ingress/gateway');
    expect(kinds.filter((k) => k.startsWith('HorizontalPodAutoscaler/')).sort()).toEqual(['HorizontalPodAutoscaler/orders', 'HorizontalPodAutoscaler/users']);
    const hpa = objectsOf(e).find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'orders') as any as { spec: { minReplicas: number; maxReplicas: number } };
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    const route = objectsOf(e).find((o) => o.kind === 'HTTPRoute') as any as { spec: { hostnames: string[]; parentRefs: { name: string }[] } };
    expect(route.spec).toMatchObject({ hostnames: ['shop.example.com'], parentRefs: [{ name: 'public' }] });
  });

  it('a template service: replicas, probes from health, env, registry token by secretKeyRef, non-root read-only root filesystem', () => {
    const orders = objectsOf(sampleExport()).find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders') as any;
    expect(orders.spec.replicas).toBe(2);
    const c = orders.spec.template.spec.containers[0];
    expect(c.image).toBe('portico/shop-orders:111');
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 3000 }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 });
    expect(c.livenessProbe).toMatchObject({ initialDelaySeconds: 10 });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    const env = Object.fromEntries(c.env.map((e: { name: string }) => [e.name, e]));
    expect(env.LOG_LEVEL.value).toBe('info');
    expect(env.PORTICO_INSTANCE_ID.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.PORTICO_REGISTRY_URL.value).toBe('http://registry:8500');
    expect(env.PORTICO_REGISTRY_TOKEN.valueFrom).toEqual({ secretKeyRef: { name: 'shop-registry', key: 'PORTICO_REGISTRY_TOKEN' } });
  });

  it('resources: the manifest\'s limits when given (requests = limits), the Node defaults for template services otherwise', () => {
    const text = SAMPLE_WITH_VOLUME.replace('    image: redis:7\n', '    image: redis:7\n    resources: { cpus: 0.5, memory: 300mb }\n');
    const objects = objectsOf(sampleExport({}, text));
    const containerOf = (name: string) => (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as any).spec.template.spec.containers[0];
    expect(containerOf('cache').resources).toEqual({ requests: { cpu: '500m', memory: '300Mi' }, limits: { cpu: '500m', memory: '300Mi' } });
    expect(containerOf('orders').resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expectValidKubernetes(objects);
  });

  it('a prebuilt image: TCP probes, no securityContext forced on it, its volume as a PVC, Recreate strategy, command as args', () => {
    const cache = objectsOf(sampleExport()).find((o) => o.kind === 'Deployment' && o.metadata.name === 'cache') as any;
    const c = cache.spec.template.spec.containers[0];
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 6379 });
    expect(c.securityContext).toBeUndefined();
    expect(c.args).toEqual(['redis-server', '--appendonly', 'yes']);
    expect(cache.spec.strategy).toEqual({ type: 'Recreate' });
    expect(cache.spec.template.spec.volumes).toEqual([{ name: 'data-0', persistentVolumeClaim: { claimName: 'shop-data' } }]);
  });

  it('gateway: auth secrets by secretKeyRef (names only), config mounted from the ConfigMap; Secrets listed with the kubectl command', () => {
    const e = sampleExport();
    const gw = objectsOf(e).find((o) => o.kind === 'Deployment' && o.metadata.name === 'gateway') as any;
    const env = gw.spec.template.spec.containers[0].env;
    expect(env.filter((x: any) => x.valueFrom?.secretKeyRef?.name === 'shop-gateway-auth').map((x: any) => x.name)).toEqual(['SHOP_CI_KEY', 'SHOP_JWT_SECRET']);
    expect(gw.spec.template.spec.volumes[0]).toEqual({ name: 'config', configMap: { name: 'shop-config' } });
    expect(e.secrets).toEqual([
      { name: 'shop-registry', keys: ['PORTICO_REGISTRY_TOKEN'] },
      { name: 'shop-gateway-auth', keys: ['SHOP_CI_KEY', 'SHOP_JWT_SECRET'] },
    ]);
    expect(secretCommands(e.secrets)[1]).toBe('kubectl create secret generic shop-gateway-auth --from-literal=SHOP_CI_KEY="$SHOP_CI_KEY" --from-literal=SHOP_JWT_SECRET="$SHOP_JWT_SECRET"');
    // No object carries a Secret or a secret value.
    expect(objectsOf(e).some((o) => o.kind === 'Secret')).toBe(false);
    const text = stringify(objectsOf(e));
    expect(text).not.toMatch(/kind: Secret\b/);
  });

  it('discovery inside Kubernetes: template instances self-register (no seeds), image services are seeded by Service DNS', () => {
    const { manifest } = parseManifest(SAMPLE_MANIFEST, 'portico.yaml');
    const d = kubernetesDiscovery(compileDiscovery(manifest));
    expect(d.services.orders!.instances).toEqual([]);
    expect(d.services.cache!.instances).toEqual([{ id: 'cache', address: 'cache', port: 6379 }]);
    const cm = objectsOf(sampleExport()).find((o) => o.kind === 'ConfigMap') as any;
    expect(JSON.parse(cm.data['discovery.json'])).toEqual(d);
    expect(JSON.parse(cm.data['gateway.json']).registry.url).toBe('http://registry:8500');
  });

  it('the kustomization lists every file', () => {
    const e = sampleExport();
    expect(e.kustomization.resources).toEqual(e.files.map((f) => f.name));
  });

  const WITH_FILES = SAMPLE_WITH_VOLUME.replace(
    '    env: { LOG_LEVEL: info }\n',
    [
      '    env: { LOG_LEVEL: info }',
      "    envFile: [.env, \"services/orders/my env\"]",
      '    mounts:',
      '      - ./services/orders/src:/app/src:ro',
      '      - { source: ../shared, target: /shared, allowOutside: true }',
      '',
    ].join('\n'),
  );

  it('envFile: a Secret per service created from the files (printed command), envFrom secretRef, explicit env still set (it wins); everything validates', () => {
    const e = sampleExport({}, WITH_FILES);
    validateAll(e);
    const orders = objectsOf(e).find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders') as any;
    const container = orders.spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ secretRef: { name: 'shop-orders-env' } }]);
    expect(container.env).toContainEqual({ name: 'LOG_LEVEL', value: 'info' });
    const users = objectsOf(e).find((o) => o.kind === 'Deployment' && o.metadata.name === 'users') as any;
    expect(users.spec.template.spec.containers[0].envFrom).toBeUndefined();
    expect(e.secrets).toContainEqual({ name: 'shop-orders-env', keys: [], envFiles: ['.env', 'services/orders/my env'] });
    expect(secretCommands(e.secrets)).toContain("kubectl create secret generic shop-orders-env --from-env-file=.env --from-env-file='services/orders/my env'");
    expect(objectsOf(e).some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('mounts: host folders are left out of the Deployment, each named in a note (not an error)', () => {
    const e = sampleExport({}, WITH_FILES);
    const orders = objectsOf(e).find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders') as any;
    expect(orders.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(e.notes).toEqual([
      expect.stringMatching(/^services\.orders\.mounts: \.\/services\/orders\/src:\/app\/src:ro binds a host folder .*left out of the Deployment/),
      expect.stringMatching(/^services\.orders\.mounts: \.\.\/shared:\/shared binds a host folder/),
    ]);
  });
});
