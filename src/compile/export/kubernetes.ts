// Manifest -> plain Kubernetes manifests and a kustomization.yaml (pure).
//
// Discovery inside Kubernetes (docs/deploy.md "Discovery on Kubernetes"): the registry runs as
// a one-replica Deployment behind a Service named `registry`, so gateway.json's
// http://registry:8500 resolves unchanged. Template services self-register as they do
// locally — with their pod IP and their pod name as instance id (the downward API sets
// PORTICO_INSTANCE_ID) — and the registry probes each pod on its health path; the gateway
// balances across the pods it is told are passing. Pods come and go, so discovery.json seeds no
// template instances here. A prebuilt image (redis) cannot register: it is seeded with its
// Service's DNS name, which kube-proxy balances across its pods.
import { stringify } from 'yaml';
import type { Manifest, ServiceSpec } from '../../manifest/schema.js';
import {
  CONTAINER_CONFIG_DIR,
  DISCOVERY_CONFIG_FILE,
  GATEWAY_CONFIG_FILE,
  GATEWAY_CONTAINER_PORT,
  GATEWAY_HOST,
  REGISTRY_CONTAINER_PORT,
  REGISTRY_HOST,
  SERVICE_ENV,
  type DiscoveryConfig,
  type GatewayConfig,
} from '../../runtime/contract/index.js';
import { shellQuote } from '../../core/shell-quote.js';
import { HEALTH_DEFAULTS } from '../../manifest/defaults.js';
import { envFilesOf } from '../../manifest/check-service-files.js';
import { parseMount } from '../../manifest/mounts.js';
import { gatewaySecretEnvNames } from '../plan.js';
import { EXTRA_CA_ENV, GATEWAY_CA_FILE, GATEWAY_CA_PATH, caBundleDigest, gatewayCaFor } from '../gateway-ca.js';
import { toJson } from '../generate.js';
import { toBytes, toMs } from '../../manifest/units.js';

/** The Kubernetes version whose official JSON schemas the output is validated against (CI). */
export const KUBERNETES_SCHEMA_VERSION = '1.33.0';

export interface KubernetesExportOptions {
  /** Image reference per image key: `registry`, `gateway` and every service (see compile/plan imageKey). */
  images: Record<string, string>;
  /** Host name for the Ingress/HTTPRoute (none: every host). */
  host?: string;
  /** `ingressClassName` of the Ingress (none: the cluster default). */
  ingressClass?: string;
  /** Emit a Gateway API HTTPRoute attached to this Gateway instead of an Ingress. */
  httpRouteGateway?: string;
  /** Emit a HorizontalPodAutoscaler for every template service, up to this many replicas. */
  hpaMaxReplicas?: number;
  /** The CA bundle of gateway.tls.caFiles (public certificates): a ConfigMap key the gateway trusts. Required when the manifest names CA files. */
  gatewayCa?: string;
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };

export interface KubernetesFile {
  /** File name inside the output folder. */
  name: string;
  objects: K8sObject[];
}

export interface KubernetesExport {
  files: KubernetesFile[];
  /** kustomization.yaml (lists every file above). */
  kustomization: Record<string, unknown>;
  /** The Secrets the user creates before applying (names and keys only). */
  secrets: KubernetesSecret[];
  /** What was left out, said to the user. */
  notes: string[];
}

/**
 * A Secret the user creates before applying: from env vars of their shell (`keys`), or from a
 * service's env files (`envFiles`, relative to the workspace; its keys are the files' keys).
 */
export interface KubernetesSecret {
  name: string;
  keys: string[];
  envFiles?: string[];
}

/** Name of the Secret holding the registry token (the env var services and the gateway read). */
export const registrySecretName = (project: string) => `${project}-registry`;
/** Name of the Secret holding the gateway's API keys and JWT secret, keyed by their env var names. */
export const gatewaySecretName = (project: string) => `${project}-gateway-auth`;
export const configMapName = (project: string) => `${project}-config`;
/** Name of the Secret holding a service's `envFile:` values (created from the files, never written out). */
export const envFileSecretName = (project: string, service: string) => `${project}-${service}-env`;

/** Requests and limits for the containers Portico builds (node processes of known size); edit with a kustomize patch. */
const NODE_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/**
 * The manifest's `resources` limits when it gives them (requests = limits, so the scheduler
 * reserves what the service may use); else the defaults for Portico's Node images; else none.
 */
function resourcesFor(spec: ServiceSpec, fromTemplate: boolean): { resources?: object } {
  const given = spec.resources;
  if (given !== undefined && (given.cpus !== undefined || given.memory !== undefined)) {
    const limits: Record<string, string> = {};
    if (given.cpus !== undefined) limits.cpu = `${Math.max(1, Math.round(given.cpus * 1000))}m`;
    if (given.memory !== undefined) limits.memory = `${Math.max(1, Math.ceil(toBytes(given.memory) / 1024 / 1024))}Mi`;
    return { resources: { requests: limits, limits } };
  }
  return fromTemplate ? { resources: NODE_RESOURCES } : {};
}

/**
 * What Portico-built images allow: they run as uid 1000 (USER 1000:1000 in every Dockerfile
 * Portico writes or templates ship) and write nothing outside /tmp, so the root filesystem is
 * read-only and /tmp is an emptyDir. Prebuilt images (redis, postgres) get none of this: many
 * start as root and write where they like.
 */
const NON_ROOT = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const secondsOf = (d: string | number) => Math.max(1, Math.ceil(toMs(d) / 1000));

/** discovery.json as the registry needs it inside Kubernetes (see the file comment). */
export function kubernetesDiscovery(discovery: DiscoveryConfig): DiscoveryConfig {
  const services: DiscoveryConfig['services'] = {};
  for (const [name, service] of Object.entries(discovery.services)) {
    services[name] = {
      ...service,
      instances: service.kind === 'image' && service.instances.length > 0 ? [{ id: name, address: name, port: service.port }] : [],
    };
  }
  return { ...discovery, services };
}

export function exportKubernetes(manifest: Manifest, gateway: GatewayConfig, discovery: DiscoveryConfig, options: KubernetesExportOptions): KubernetesExport {
  const project = manifest.name;
  const labels = (component: string) => ({ 'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': project, 'app.kubernetes.io/managed-by': 'portico' });
  const selector = (component: string) => ({ 'app.kubernetes.io/name': component, 'app.kubernetes.io/part-of': project });
  const imageOf = (key: string) => {
    const ref = options.images[key];
    if (!ref) throw new Error(`no image resolved for ${key}`);
    return ref;
  };
  const secretEnv = (name: string, secret: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } });
  const tokenEnv = secretEnv(SERVICE_ENV.registryToken, registrySecretName(project));
  const configVolume = { name: 'config', configMap: { name: configMapName(project) } };
  const tmpVolume = { name: 'tmp', emptyDir: {} };
  const runtimeMounts = [
    { name: 'config', mountPath: CONTAINER_CONFIG_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];

  const service = (name: string, port: number, targetPort: number): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: labels(name) },
    spec: { selector: selector(name), ports: [{ name: 'http', port, targetPort }] },
  });

  const deployment = (name: string, replicas: number, pod: Record<string, unknown>, recreate = false, annotations?: Record<string, string>): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: labels(name) },
    spec: {
      replicas,
      selector: { matchLabels: selector(name) },
      // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
      ...(recreate ? { strategy: { type: 'Recreate' } } : {}),
      template: { metadata: { labels: labels(name), ...(annotations ? { annotations } : {}) }, spec: pod },
    },
  });

  const httpProbe = (path: string, port: number, h: { interval: string | number; timeout: string | number; retries: number }) => ({
    httpGet: { path, port },
    periodSeconds: secondsOf(h.interval),
    timeoutSeconds: secondsOf(h.timeout),
    failureThreshold: h.retries,
  });

  const runtimeProbe = (path: string, port: number) => httpProbe(path, port, { interval: '5s', timeout: '3s', retries: 3 });

  const files: KubernetesFile[] = [];

  files.push({
    name: 'config.yaml',
    objects: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: configMapName(project), labels: labels('config') },
        data: {
          [GATEWAY_CONFIG_FILE]: toJson(gateway),
          [DISCOVERY_CONFIG_FILE]: toJson(kubernetesDiscovery(discovery)),
          ...(options.gatewayCa === undefined ? {} : { [GATEWAY_CA_FILE]: options.gatewayCa }),
        },
      },
    ],
  });

  /** The registry or the gateway: one replica of a Portico runtime image, config from the ConfigMap. */
  const runtimeFile = (name: string, port: number, healthPath: string, servicePort: number, extraEnv: object[] = [], annotations?: Record<string, string>): KubernetesFile => ({
    name: `${name}.yaml`,
    objects: [
      deployment(name, 1, {
        securityContext: { fsGroup: 1000 },
        containers: [
          {
            name,
            image: imageOf(name),
            ports: [{ name: 'http', containerPort: port }],
            env: [...extraEnv, { name: 'PORTICO_CONFIG_DIR', value: CONTAINER_CONFIG_DIR }, tokenEnv, { name: SERVICE_ENV.project, value: project }],
            readinessProbe: runtimeProbe(healthPath, port),
            livenessProbe: { ...runtimeProbe(healthPath, port), initialDelaySeconds: 15 },
            resources: NODE_RESOURCES,
            securityContext: NON_ROOT,
            volumeMounts: runtimeMounts,
          },
        ],
        volumes: [configVolume, tmpVolume],
      }, false, annotations),
      service(name, servicePort, port),
    ],
  });

  // The registry keeps its catalog in memory: exactly one replica.
  files.push(runtimeFile(REGISTRY_HOST, REGISTRY_CONTAINER_PORT, '/v1/health', REGISTRY_CONTAINER_PORT));

  const volumeClaims = new Map<string, K8sObject>();
  const notes: string[] = [];
  const envFileSecrets: KubernetesSecret[] = [];
  for (const [name, spec] of Object.entries(manifest.services)) {
    // `up` builds no image for a service scaled to 0; there is nothing to reference.
    if (options.images[name] === undefined && spec.replicas === 0) {
      notes.push(`${name} has replicas: 0 and no image: no Deployment written (its routes answer 503).`);
      continue;
    }
    const objects = serviceObjects(name, spec);
    files.push({ name: `service-${name}.yaml`, objects });
    notes.push(...mountNotes(name, spec));
  }

  function serviceObjects(name: string, spec: ServiceSpec): K8sObject[] {
    const health = { ...HEALTH_DEFAULTS, ...spec.health };
    const fromTemplate = spec.image === undefined;
    const env = [
      ...Object.entries(spec.env).map(([k, v]) => ({ name: k, value: String(v) })),
      { name: SERVICE_ENV.project, value: project },
      { name: SERVICE_ENV.service, value: name },
      // Unique per pod: the instance id the service registers under.
      { name: SERVICE_ENV.instanceId, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: SERVICE_ENV.registryUrl, value: `http://${REGISTRY_HOST}:${REGISTRY_CONTAINER_PORT}` },
      tokenEnv,
      { name: SERVICE_ENV.port, value: String(spec.port) },
      { name: SERVICE_ENV.healthPath, value: health.path },
    ];
    // The env files become a Secret created from them (secretCommands); `env` entries win over
    // `envFrom` in Kubernetes, as portico.yaml's `env` wins over its env files.
    const fromFiles = envFilesOf(spec);
    const envFrom = fromFiles.length > 0 ? [{ secretRef: { name: envFileSecretName(project, name) } }] : [];
    if (fromFiles.length > 0) envFileSecrets.push({ name: envFileSecretName(project, name), keys: [], envFiles: fromFiles });
    const mounts: { name: string; mountPath: string }[] = [];
    const volumes: Record<string, unknown>[] = [];
    spec.volumes.forEach((v, i) => {
      const at = v.indexOf(':');
      const claim = `${project}-${v.slice(0, at)}`;
      mounts.push({ name: `data-${i}`, mountPath: v.slice(at + 1) });
      volumes.push({ name: `data-${i}`, persistentVolumeClaim: { claimName: claim } });
      volumeClaims.set(claim, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, labels: labels(name) },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
    });
    if (fromTemplate) {
      mounts.push({ name: 'tmp', mountPath: '/tmp' });
      volumes.push(tmpVolume);
    }
    // Template services answer HTTP on their health path; a prebuilt image gets a TCP check,
    // as the registry does locally.
    const probe = fromTemplate
      ? httpProbe(health.path, spec.port, health)
      : { tcpSocket: { port: spec.port }, periodSeconds: secondsOf(health.interval), timeoutSeconds: secondsOf(health.timeout), failureThreshold: health.retries };
    const container = {
      name,
      image: imageOf(name),
      ...(spec.command ? { args: spec.command } : {}),
      ports: [{ name: 'main', containerPort: spec.port }, ...spec.expose.filter((p) => p !== spec.port).map((p) => ({ containerPort: p }))],
      ...(envFrom.length > 0 ? { envFrom } : {}),
      env,
      readinessProbe: probe,
      livenessProbe: { ...probe, initialDelaySeconds: secondsOf(health.startPeriod) },
      ...resourcesFor(spec, fromTemplate),
      ...(fromTemplate ? { securityContext: NON_ROOT } : {}),
      ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    };
    const objects: K8sObject[] = [
      deployment(name, spec.replicas, { ...(fromTemplate ? { securityContext: { fsGroup: 1000 } } : {}), containers: [container], ...(volumes.length > 0 ? { volumes } : {}) }, spec.volumes.length > 0),
      { ...service(name, spec.port, spec.port) },
      ...[...volumeClaims.values()].filter((c) => c.metadata.labels?.['app.kubernetes.io/name'] === name),
    ];
    if (options.hpaMaxReplicas !== undefined && fromTemplate && spec.replicas > 0) {
      objects.push({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, labels: labels(name) },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: spec.replicas,
          maxReplicas: Math.max(spec.replicas, options.hpaMaxReplicas),
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      });
    }
    return objects;
  }

  const authEnv = gatewaySecretEnvNames(manifest);
  // One gateway replica: rate-limit buckets and the response cache live in its memory, so
  // more replicas would multiply the limits (docs/deploy.md says how to scale it anyway).
  const ca = gatewayCaSettings(manifest, options.gatewayCa);
  files.push(
    runtimeFile(GATEWAY_HOST, GATEWAY_CONTAINER_PORT, '/_portico/health', manifest.gateway.port, [...authEnv.map((n) => secretEnv(n, gatewaySecretName(project))), ...ca.env], ca.annotations),
  );

  files.push(options.httpRouteGateway ? httpRoute(options.httpRouteGateway) : ingress());

  function ingress(): KubernetesFile {
    const rule = {
      ...(options.host ? { host: options.host } : {}),
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: GATEWAY_HOST, port: { number: manifest.gateway.port } } } }] },
    };
    return {
      name: 'ingress.yaml',
      objects: [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: GATEWAY_HOST, labels: labels(GATEWAY_HOST) },
          spec: { ...(options.ingressClass ? { ingressClassName: options.ingressClass } : {}), rules: [rule] },
        },
      ],
    };
  }

  function httpRoute(parent: string): KubernetesFile {
    return {
      name: 'httproute.yaml',
      objects: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: GATEWAY_HOST, labels: labels(GATEWAY_HOST) },
          spec: {
            parentRefs: [{ name: parent }],
            ...(options.host ? { hostnames: [options.host] } : {}),
            rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: GATEWAY_HOST, port: manifest.gateway.port }] }],
          },
        },
      ],
    };
  }

  const secrets: KubernetesExport['secrets'] = [{ name: registrySecretName(project), keys: [SERVICE_ENV.registryToken] }];
  if (authEnv.length > 0) secrets.push({ name: gatewaySecretName(project), keys: authEnv });
  secrets.push(...envFileSecrets);
  return {
    files,
    kustomization: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      labels: [{ pairs: { 'app.kubernetes.io/part-of': project }, includeSelectors: false }],
      resources: files.map((f) => f.name),
    },
    secrets,
    notes,
  };
}

/**
 * `mounts:` bind host folders, a development feature: a cluster's nodes do not have the
 * workspace, and the image carries what the service needs. Left out, and said so.
 */
function mountNotes(service: string, spec: ServiceSpec): string[] {
  return spec.mounts.map((written) => {
    const m = parseMount(written);
    const shown = typeof m === 'string' ? String(written) : `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`;
    return `services.${service}.mounts: ${shown} binds a host folder (a development feature): left out of the Deployment, the image carries the service's files.`;
  });
}

/** Pod template annotation carrying the CA bundle's digest: a changed CA rolls the gateway (node reads the bundle once, at start). */
export const GATEWAY_CA_ANNOTATION = 'portico.dev/gateway-ca-digest';

/** The gateway's env and pod annotations for gateway.tls.caFiles (the bundle itself is in the ConfigMap). */
function gatewayCaSettings(manifest: Manifest, bundle: string | undefined): { env: object[]; annotations?: Record<string, string> } {
  const carried = gatewayCaFor(manifest, bundle);
  if (carried === undefined) return { env: [] };
  return { env: [{ name: EXTRA_CA_ENV, value: GATEWAY_CA_PATH }], annotations: { [GATEWAY_CA_ANNOTATION]: caBundleDigest(carried) } };
}

/** The commands that create the Secrets the manifests reference (values come from the user's shell). */
export function secretCommands(secrets: KubernetesExport['secrets']): string[] {
  return secrets.map((s) => {
    const from = [...s.keys.map((k) => `--from-literal=${k}="$${k}"`), ...(s.envFiles ?? []).map((f) => `--from-env-file=${shellQuote(f)}`)];
    return `kubectl create secret generic ${s.name} ${from.join(' ')}`;
  });
}

/**
 * kustomize `images:` entries that point every Portico-built image at `registry` (a prefix
 * such as registry.example.com/team): the cluster pulls from there once the images are pushed.
 */
export function registryImages(images: Record<string, string>, registry: string): { name: string; newName: string }[] {
  const prefix = registry.replace(/\/+$/, '');
  const names = [...new Set(Object.values(images).filter((ref) => ref.startsWith('portico/')).map((ref) => ref.replace(/:[^/:]+$/, '')))];
  return names.map((name) => ({ name, newName: `${prefix}/${name}` }));
}

/** The files of the export: one multi-document YAML file per component, and kustomization.yaml. */
export function renderKubernetesFiles(e: KubernetesExport): { name: string; content: string }[] {
  const header = `# Generated by \`portico export kubernetes\` from portico.yaml (Kubernetes v${KUBERNETES_SCHEMA_VERSION} schemas).\n`;
  const yamlOf = (o: unknown) => stringify(o, { lineWidth: 0 });
  return [
    ...e.files.map((f) => ({ name: f.name, content: header + f.objects.map(yamlOf).join('---\n') })),
    { name: 'kustomization.yaml', content: header + yamlOf(e.kustomization) },
  ];
}
