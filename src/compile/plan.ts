// Manifest + DiscoveryConfig -> StackPlan: every Docker resource `portico up` wants, with
// names, labels, env, health checks, aliases, ports and mounts, and a config hash per
// container. Pure: no fs, no Docker, no clock. Inputs only known at run time (image tags
// after builds, the registry token, secret values) come in through PlanInputs.
import { createHash } from 'node:crypto';
import type { BuildSpec, Manifest, ServiceSpec } from '../manifest/schema.js';
import { bindOf, parseMount } from '../manifest/mounts.js';
import {
  ADMIN_TOKEN_ENV,
  CONTAINER_CONFIG_DIR,
  GATEWAY_CONTAINER_PORT,
  GATEWAY_HOST,
  REGISTRY_CONTAINER_PORT,
  REGISTRY_HOST,
  SERVICE_ENV,
  type DiscoveryConfig,
} from '../runtime/contract/index.js';
import { HEALTH_DEFAULTS } from '../manifest/defaults.js';
import { containerName, networkName, volumeName } from '../manifest/names.js';
import { toMs } from '../manifest/units.js';
import type { ContainerSpec } from './container-spec.js';
import { EXTRA_CA_ENV, GATEWAY_CA_FILE, GATEWAY_CA_PATH, caBundleDigest, gatewayCaFor } from './gateway-ca.js';
import { LABEL } from './labels.js';

export type ContainerRole = 'registry' | 'service' | 'gateway';

/** An image `up` must build (template services, gateway, registry) or pull (image services). */
export type ImageSpec =
  | { kind: 'service'; service: string; /** relative to the manifest dir */ path: string }
  | { kind: 'runtime'; runtime: 'gateway' | 'registry' }
  | { kind: 'pull'; service: string; ref: string }
  | {
      kind: 'dockerfile';
      service: string;
      /** Build context, relative to the manifest dir. */
      context: string;
      /** Relative to the context. */
      dockerfile: string;
      args: Record<string, string>;
      target?: string;
    };

/** One desired container: what Docker is asked to create, plus what `up` needs to order and compare it. */
export interface ContainerPlan extends ContainerSpec {
  role: ContainerRole;
  service: string;
  replica: number;
  /** Services (not containers) that must be healthy before this one starts. */
  dependsOn: string[];
  /**
   * Digests of files in the config folder that the process reads once, at start (the
   * gateway's CA bundle): hashed with the rest, so a changed file recreates the container.
   * (gateway.json and discovery.json are reloaded while running and are not here.)
   */
  readAtStart?: Record<string, string>;
  configHash: string;
}

export interface StackPlan {
  project: string;
  network: { name: string; labels: Record<string, string> };
  volumes: { name: string; labels: Record<string, string> }[];
  containers: ContainerPlan[];
}

export interface PlanInputs {
  /** Portico's version (label dev.portico.version). */
  version: string;
  /** Absolute path of the workspace's .portico directory (mounted into registry and gateway). */
  configDir: string;
  /** Image reference per image key (see imageKey). */
  images: Record<string, string>;
  registryToken: string;
  /** The stack's admin token (gateway admin surfaces); none = those answer 401 to everyone. */
  adminToken?: string;
  /** Values of the env vars the gateway's auth names (from the host env or .env). */
  gatewayEnv: Record<string, string>;
  /**
   * The CA bundle of gateway.tls.caFiles (workspace/gateway-ca.ts; public certificates only),
   * which the target puts at GATEWAY_CA_PATH. Required when the manifest names CA files.
   */
  gatewayCa?: string;
  /** `up <service...>`: only these services and their dependsOn closure (plus registry and gateway). */
  only?: string[];
}

export const imageKey = (spec: ImageSpec): string =>
  spec.kind === 'runtime' ? spec.runtime : spec.service;

/** Node's fetch as a health check: needs no curl and no shell in the image. */
export function nodeHealthTest(url: string): string[] {
  return ['CMD', 'node', '-e', `fetch(${url}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`];
}

/** The service's health URL built from its own env, so the test stays valid whatever PORT is. */
const SERVICE_HEALTH_URL = `'http://127.0.0.1:'+process.env.${SERVICE_ENV.port}+process.env.${SERVICE_ENV.healthPath}`;

/**
 * Docker's check runs `node -e fetch(...)` in the container: starting node takes part of the
 * timeout (most of it on a loaded machine). The manifest's timeout is the endpoint's answer
 * time (what the registry probes with), so the Docker check gets this much on top.
 */
export const HEALTH_EXEC_ALLOWANCE_MS = 3000;

/** Health timings of the registry and gateway: short so `up` is quick. */
const RUNTIME_HEALTH = { intervalMs: 1000, timeoutMs: 5000, retries: 3, startPeriodMs: 15_000 };

export const servicePath = (name: string, spec: ServiceSpec) => spec.path ?? `services/${name}`;

/** Images `up` needs for the manifest (for the selected services only when `only` is set). */
export function planImages(manifest: Manifest, only?: string[]): ImageSpec[] {
  const selected = selectServices(manifest, only);
  const images: ImageSpec[] = [
    { kind: 'runtime', runtime: 'registry' },
    { kind: 'runtime', runtime: 'gateway' },
  ];
  for (const name of selected) {
    const spec = manifest.services[name]!;
    if ((spec.replicas ?? 1) === 0) continue;
    if (spec.build) images.push(dockerfileImage(name, spec, spec.build));
    else images.push(spec.image ? { kind: 'pull', service: name, ref: spec.image } : { kind: 'service', service: name, path: servicePath(name, spec) });
  }
  return images;
}

function dockerfileImage(service: string, spec: ServiceSpec, build: BuildSpec): ImageSpec {
  const args = Object.fromEntries(Object.entries(build.args).map(([k, v]) => [k, String(v)]));
  return { kind: 'dockerfile', service, context: build.context ?? servicePath(service, spec), dockerfile: build.dockerfile, args, target: build.target };
}

/** The services `only` names plus everything they depend on (all services when `only` is empty). */
export function selectServices(manifest: Manifest, only?: string[]): string[] {
  const all = Object.keys(manifest.services);
  if (!only || only.length === 0) return all;
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const spec = manifest.services[name];
    if (!spec) throw new Error(`unknown service "${name}"`);
    seen.add(name);
    spec.dependsOn.forEach(visit);
  };
  only.forEach(visit);
  return all.filter((n) => seen.has(n));
}

/** The full desired state of the stack. */
export function planStack(manifest: Manifest, discovery: DiscoveryConfig, inputs: PlanInputs): StackPlan {
  const project = manifest.name;
  const network = discovery.network || networkName(project);
  const base = (service: string, replica: number) => ({
    [LABEL.project]: project,
    [LABEL.service]: service,
    [LABEL.replica]: String(replica),
    [LABEL.version]: inputs.version,
  });
  const imageOf = (key: string) => {
    const ref = inputs.images[key];
    if (!ref) throw new Error(`no image resolved for ${key}`);
    return ref;
  };
  const configBind = { source: inputs.configDir, target: CONTAINER_CONFIG_DIR, readOnly: true };
  const containers: Omit<ContainerPlan, 'configHash'>[] = [];

  containers.push({
    name: containerName(project, 'registry', 1),
    role: 'registry',
    service: 'registry',
    replica: 1,
    image: imageOf('registry'),
    env: { PORTICO_CONFIG_DIR: CONTAINER_CONFIG_DIR, [SERVICE_ENV.registryToken]: inputs.registryToken, [SERVICE_ENV.project]: project },
    labels: base('registry', 1),
    health: { test: nodeHealthTest(`'http://127.0.0.1:${REGISTRY_CONTAINER_PORT}/v1/health'`), ...RUNTIME_HEALTH },
    aliases: [REGISTRY_HOST],
    ports: [],
    binds: [configBind],
    volumes: [],
    dependsOn: [],
  });

  const volumes = new Map<string, { name: string; labels: Record<string, string> }>();
  for (const service of selectServices(manifest, inputs.only)) {
    const spec = manifest.services[service]!;
    const names = discovery.services[service]?.instances.map((i) => i.id);
    for (let replica = 1; replica <= spec.replicas; replica++) {
      const name = names?.[replica - 1] ?? containerName(project, service, replica);
      const health = { ...HEALTH_DEFAULTS, ...spec.health };
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(spec.env)) env[k] = String(v);
      Object.assign(env, {
        [SERVICE_ENV.project]: project,
        [SERVICE_ENV.service]: service,
        [SERVICE_ENV.instanceId]: name,
        [SERVICE_ENV.registryUrl]: `http://${REGISTRY_HOST}:${REGISTRY_CONTAINER_PORT}`,
        [SERVICE_ENV.registryToken]: inputs.registryToken,
        [SERVICE_ENV.port]: String(spec.port),
        [SERVICE_ENV.healthPath]: health.path,
      });
      const serviceVolumes = spec.volumes.map((v) => {
        const [volume, target] = splitVolume(v);
        const full = volumeName(project, volume);
        volumes.set(full, { name: full, labels: { [LABEL.project]: project, [LABEL.service]: service, [LABEL.version]: inputs.version } });
        return { name: full, target };
      });
      containers.push({
        name,
        role: 'service',
        service,
        replica,
        image: imageOf(service),
        env,
        labels: base(service, replica),
        cmd: spec.command,
        // Prebuilt images and Dockerfile services (templates built from their Dockerfile too)
        // keep their own HEALTHCHECK (if any): they may have no node.
        health: spec.template === undefined || spec.build !== undefined
          ? undefined
          : {
              test: nodeHealthTest(SERVICE_HEALTH_URL),
              intervalMs: toMs(health.interval),
              timeoutMs: toMs(health.timeout) + HEALTH_EXEC_ALLOWANCE_MS,
              retries: health.retries,
              startPeriodMs: toMs(health.startPeriod),
            },
        aliases: [service],
        ports: spec.expose.map((p) => ({ hostIp: '127.0.0.1', hostPort: p, containerPort: p })),
        binds: spec.mounts.map(mountBind),
        volumes: serviceVolumes,
        dependsOn: [...spec.dependsOn],
      });
    }
  }

  const ca = gatewayCaOf(manifest, inputs);
  containers.push({
    name: containerName(project, 'gateway', 1),
    role: 'gateway',
    service: 'gateway',
    replica: 1,
    image: imageOf('gateway'),
    env: {
      ...inputs.gatewayEnv,
      ...(inputs.adminToken === undefined ? {} : { [ADMIN_TOKEN_ENV]: inputs.adminToken }),
      ...ca.env,
      PORTICO_CONFIG_DIR: CONTAINER_CONFIG_DIR,
      [SERVICE_ENV.registryToken]: inputs.registryToken,
      [SERVICE_ENV.project]: project,
    },
    labels: base('gateway', 1),
    health: { test: nodeHealthTest(`'http://127.0.0.1:${GATEWAY_CONTAINER_PORT}/_portico/health'`), ...RUNTIME_HEALTH },
    aliases: [GATEWAY_HOST],
    ports: [{ hostIp: manifest.gateway.bind, hostPort: manifest.gateway.port, containerPort: GATEWAY_CONTAINER_PORT }],
    binds: [configBind],
    volumes: [],
    dependsOn: [],
    readAtStart: ca.readAtStart,
  });

  return {
    project,
    network: { name: network, labels: { [LABEL.project]: project, [LABEL.version]: inputs.version } },
    volumes: [...volumes.values()],
    containers: containers.map((c) => {
      const configHash = hashConfig(c);
      return { ...c, configHash, labels: { ...c.labels, [LABEL.configHash]: configHash } };
    }),
  };
}

/** The gateway's trust of gateway.tls.caFiles: Node's extra-CA variable, and the bundle's digest for the hash. */
function gatewayCaOf(manifest: Manifest, inputs: PlanInputs): { env: Record<string, string>; readAtStart?: Record<string, string> } {
  const bundle = gatewayCaFor(manifest, inputs.gatewayCa);
  if (bundle === undefined) return { env: {} };
  return { env: { [EXTRA_CA_ENV]: GATEWAY_CA_PATH }, readAtStart: { [GATEWAY_CA_FILE]: caBundleDigest(bundle) } };
}

/** Env var names whose values the gateway container needs (API keys, JWT secret, AI provider keys). */
export function gatewaySecretEnvNames(manifest: Manifest): string[] {
  const names = manifest.gateway.auth.apiKeys.map((k) => k.env);
  if (manifest.gateway.auth.jwt?.secretEnv) names.push(manifest.gateway.auth.jwt.secretEnv);
  for (const provider of Object.values(manifest.gateway.ai?.providers ?? {})) if (provider.keyEnv !== undefined) names.push(provider.keyEnv);
  return [...new Set(names)];
}

function mountBind(written: ServiceSpec['mounts'][number]) {
  const mount = parseMount(written);
  if (typeof mount === 'string') throw new Error(mount);
  return bindOf(mount);
}

function splitVolume(spec: string): [string, string] {
  const i = spec.indexOf(':');
  if (i <= 0) throw new Error(`volume "${spec}" must be name:/path`);
  return [spec.slice(0, i), spec.slice(i + 1)];
}

/**
 * A short hash of everything that makes a container what it is (apart from its name). A container whose label
 * matches is left alone by `up`; any difference recreates it. The version label is excluded
 * on purpose: it changes nothing about the container by itself.
 */
export function hashConfig(c: Omit<ContainerPlan, 'configHash'>): string {
  // The name and the instance id are excluded too: a rolling replace (engine/rolling.ts)
  // starts the new container under a temporary name and instance id and renames it into
  // place, and a following `up` must see it as the container the plan wants.
  const { labels, name: _name, env, ...rest } = c;
  const { [LABEL.version]: _version, ...hashedLabels } = labels;
  const { [SERVICE_ENV.instanceId]: _instance, ...hashedEnv } = env;
  return createHash('sha256').update(stableJson({ ...rest, env: hashedEnv, labels: hashedLabels })).digest('hex').slice(0, 16);
}

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Start order as waves: registry first, then services in dependsOn order (a service's wave
 * comes after all its dependencies' waves), then the gateway. Pure topological layering.
 */
export function startWaves(plan: StackPlan): ContainerPlan[][] {
  const services = plan.containers.filter((c) => c.role === 'service');
  const level = new Map<string, number>();
  const byService = new Map<string, ContainerPlan[]>();
  for (const c of services) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const visiting = new Set<string>();
  const depth = (service: string): number => {
    const known = level.get(service);
    if (known !== undefined) return known;
    if (visiting.has(service)) throw new Error(`dependsOn cycle through "${service}"`);
    visiting.add(service);
    const deps = (byService.get(service)?.[0]?.dependsOn ?? []).filter((d) => byService.has(d));
    const d = deps.length === 0 ? 0 : Math.max(...deps.map(depth)) + 1;
    visiting.delete(service);
    level.set(service, d);
    return d;
  };
  const waves: ContainerPlan[][] = [plan.containers.filter((c) => c.role === 'registry')];
  for (const service of byService.keys()) {
    const d = depth(service);
    (waves[d + 1] ??= []).push(...byService.get(service)!);
  }
  waves.push(plan.containers.filter((c) => c.role === 'gateway'));
  return waves.filter((w) => w && w.length > 0);
}
