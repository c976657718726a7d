// Manifest -> SwarmPlan: everything `portico deploy --target swarm` wants on a Docker Swarm
// (one overlay network, one Swarm service per Portico service plus the registry and the
// gateway, gateway.json / discovery.json as Docker configs, gateway secrets as Docker
// secrets), with a config hash per service so an unchanged service is left alone. Pure: no
// fs, no Docker, no clock. Secret values never come in here, only a digest of each (so a
// changed value gets a new, immutable Docker secret).
//
// The containers are the ones `up` runs (planStack): same images, env (with the values of
// `envFile:`, read by the engine as for `up`), health checks, aliases, volumes and `mounts:`
// (absolute). What differs on a Swarm is said where it is mapped below.
import { createHash } from 'node:crypto';
import type { Manifest, ServiceSpec } from '../manifest/schema.js';
import {
  CONTAINER_CONFIG_DIR,
  DISCOVERY_CONFIG_FILE,
  GATEWAY_CONFIG_FILE,
  SERVICE_ENV,
  type DiscoveryConfig,
} from '../runtime/contract/index.js';
import { LABEL } from './labels.js';
import type { HealthCheckSpec } from './container-spec.js';
import { compileDiscovery } from './discovery.js';
import { compileGateway } from './gateway.js';
import { GATEWAY_CA_FILE } from './gateway-ca.js';
import { toJson } from './generate.js';
import { toBytes } from '../manifest/units.js';
import { gatewaySecretEnvNames, planStack, stableJson, type ContainerPlan, type ContainerRole } from './plan.js';

/** Where Docker mounts secrets in a task; the gateway reads `<NAME>_FILE` (see runtime/gateway/env-files.ts). */
export const SWARM_SECRETS_DIR = '/run/secrets';
/** The uid:gid the gateway and registry images run as (runtimeDockerfile's USER). */
export const RUNTIME_UID = '1000';
/** Gateway tasks when the command line does not say: two, so a gateway update never leaves the port unserved. */
export const DEFAULT_GATEWAY_REPLICAS = 2;
/** Seconds a task gets between SIGTERM and SIGKILL: the gateway drains in-flight requests within 10 s. */
export const SWARM_STOP_GRACE_S = 12;

/**
 * How published ports (the gateway's, `expose`) reach the tasks. `ingress`: Swarm's routing
 * mesh, the port on every node balanced across the tasks (needs IPVS in the nodes' kernels).
 * `host`: the port on the node where a task runs; the gateway then runs once per node
 * (global), for kernels without IPVS.
 */
export type PublishMode = 'ingress' | 'host';
export const PUBLISH_MODES: readonly PublishMode[] = ['ingress', 'host'];

export interface SwarmPlanInputs {
  version: string;
  /** Image reference per image key (registry, gateway, each service): local tags, or pushed ones with --push. */
  images: Record<string, string>;
  registryToken: string;
  /** A digest of each gateway secret's value (env var name -> hex), never the value. */
  secretDigests: Record<string, string>;
  gatewayReplicas: number;
  publish: PublishMode;
  /** The CA bundle of gateway.tls.caFiles (public certificates), a Docker config of the gateway. */
  gatewayCa?: string;
  /**
   * The swarm node `deploy` talks to, whose file system holds the workspace: a service with
   * `mounts:` is pinned to it (its bind sources exist there only). Required when a service has mounts.
   */
  nodeId?: string;
}

export interface SwarmConfigPlan {
  /** Docker config name: content-addressed, because Docker configs are immutable. */
  name: string;
  /** gateway.json, discovery.json or the gateway's CA bundle */
  file: string;
  content: string;
  labels: Record<string, string>;
}

export interface SwarmSecretPlan {
  /** Docker secret name: `<project>-<env name lowercased>-<digest>`. */
  name: string;
  /** The env var whose value the secret holds. */
  env: string;
  labels: Record<string, string>;
}

export interface PublishedPort {
  published: number;
  target: number;
}

/** One Swarm service: what `deploy` asks Docker for (mapped onto the API's ServiceSpec in engine/swarm). */
export interface SwarmServicePlan {
  /** Swarm service name `<project>-<service>`. */
  name: string;
  /** The Portico service (or registry / gateway). */
  service: string;
  role: ContainerRole;
  image: string;
  /** 'global': one task per node (the gateway with host-mode publishing). */
  replicas: number | 'global';
  /**
   * 'dnsrr': the service name and aliases resolve to the task addresses. Portico's gateway
   * balances across registered task addresses itself, so only a service published through
   * the routing mesh needs a virtual IP ('vip', which needs IPVS in the kernel).
   */
  endpointMode: 'vip' | 'dnsrr';
  publishMode: PublishMode;
  /** start-first, except where a host-mode port cannot be bound twice on one node. */
  updateOrder: 'start-first' | 'stop-first';
  env: Record<string, string>;
  /** Labels of the Swarm service (with the config hash). */
  labels: Record<string, string>;
  /** Labels of the task containers (as `up` labels its containers, without the replica). */
  containerLabels: Record<string, string>;
  cmd?: string[];
  health?: HealthCheckSpec;
  /** DNS names on the overlay network besides the service name (`orders`, `registry`, `gateway`). */
  aliases: string[];
  ports: PublishedPort[];
  volumes: { name: string; target: string }[];
  /** `mounts:` as bind mounts, sources absolute on the node in `constraints`. */
  binds: { source: string; target: string; readOnly: boolean }[];
  /** Placement constraints (`node.id==<id>` for a service with binds). */
  constraints: string[];
  configs: { name: string; target: string }[];
  secrets: { name: string; target: string; uid: string; gid: string; mode: number }[];
  /** Limits from the manifest's `resources` (none for the registry and the gateway). */
  resources?: { cpus?: number; memoryBytes?: number };
  configHash: string;
}

export interface SwarmPlan {
  project: string;
  network: { name: string; labels: Record<string, string> };
  configs: SwarmConfigPlan[];
  secrets: SwarmSecretPlan[];
  services: SwarmServicePlan[];
}

/** The overlay network: not `<project>_net`, so a local `up` (bridge) and a deploy can coexist. */
export const swarmNetworkName = (project: string) => `${project}_swarm`;
export const swarmServiceName = (project: string, service: string) => `${project}-${service}`;

const shortDigest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * discovery.json for a Swarm. Template services register themselves (each task with its own
 * overlay address), so they get no seeds: the local seeds are container names that do not
 * exist on a Swarm. A plain image speaks no registry protocol, so it is seeded with its
 * Swarm service's DNS name (the virtual IP balances across its tasks).
 */
export function compileSwarmDiscovery(manifest: Manifest): DiscoveryConfig {
  const local = compileDiscovery(manifest);
  const services = Object.fromEntries(
    Object.entries(local.services).map(([name, s]) => [
      name,
      {
        ...s,
        instances:
          s.kind === 'image' && manifest.services[name]!.replicas > 0
            ? [{ id: swarmServiceName(manifest.name, name), address: name, port: s.port }]
            : [],
      },
    ]),
  );
  return { ...local, network: swarmNetworkName(manifest.name), services };
}

export function planSwarm(manifest: Manifest, inputs: SwarmPlanInputs): SwarmPlan {
  const project = manifest.name;
  const owned = { [LABEL.project]: project, [LABEL.version]: inputs.version };
  const discovery = compileSwarmDiscovery(manifest);

  const configs: SwarmConfigPlan[] = [
    { file: GATEWAY_CONFIG_FILE, content: toJson(compileGateway(manifest)) },
    { file: DISCOVERY_CONFIG_FILE, content: toJson(discovery) },
    ...(inputs.gatewayCa === undefined ? [] : [{ file: GATEWAY_CA_FILE, content: inputs.gatewayCa }]),
  ].map((c) => ({ ...c, name: `${project}-${c.file.replace('.', '-')}-${shortDigest(c.content)}`, labels: owned }));

  const secrets: SwarmSecretPlan[] = gatewaySecretEnvNames(manifest).map((env) => {
    const digest = inputs.secretDigests[env];
    if (!digest) throw new Error(`no digest for secret ${env}`);
    return { env, name: `${project}-${env.toLowerCase().replace(/_/g, '-')}-${digest.slice(0, 12)}`, labels: owned };
  });

  // The containers `up` would run, with no host paths and no secret values: on a Swarm the
  // config dir is Docker configs and the gateway's secrets are Docker secrets.
  const local = planStack(manifest, discovery, {
    version: inputs.version,
    configDir: CONTAINER_CONFIG_DIR,
    images: inputs.images,
    registryToken: inputs.registryToken,
    gatewayEnv: {},
    gatewayCa: inputs.gatewayCa,
  });
  const firstReplicas = new Map<string, ContainerPlan>();
  for (const c of local.containers) if (!firstReplicas.has(c.service)) firstReplicas.set(c.service, c);

  const services: Omit<SwarmServicePlan, 'configHash'>[] = [];
  for (const c of firstReplicas.values()) {
    services.push(toSwarmService(manifest, c, { configs, secrets, gatewayReplicas: inputs.gatewayReplicas, publish: inputs.publish, nodeId: inputs.nodeId }));
  }
  // A service with replicas 0 gets no Swarm service (as `up` starts no container for it);
  // its routes stay in gateway.json and answer 503 "no instances".
  return {
    project,
    network: { name: swarmNetworkName(project), labels: owned },
    configs,
    secrets,
    services: services.map(withConfigHash),
  };
}

function toSwarmService(
  manifest: Manifest,
  c: ContainerPlan,
  shared: { configs: SwarmConfigPlan[]; secrets: SwarmSecretPlan[]; gatewayReplicas: number; publish: PublishMode; nodeId?: string },
): Omit<SwarmServicePlan, 'configHash'> {
  const { [LABEL.replica]: _replica, [LABEL.configHash]: _hash, ...containerLabels } = c.labels;
  const env = { ...c.env };
  // Every task needs its own instance id; Swarm fills the template per task
  // (`<service>.<slot>.<task id>`), so old and new tasks of a rolling update never share one.
  if (c.role === 'service') env[SERVICE_ENV.instanceId] = '{{.Task.Name}}';
  const needsConfig = c.role !== 'service';
  const gatewaySecrets = c.role === 'gateway' ? shared.secrets : [];
  for (const s of gatewaySecrets) env[`${s.env}_FILE`] = `${SWARM_SECRETS_DIR}/${s.env}`;
  const published = c.ports.length > 0;
  const hostPorts = published && shared.publish === 'host';
  // The registry keeps its catalog in memory: one task, or instances would split between two.
  const replicas =
    c.role === 'gateway' ? (hostPorts ? 'global' : shared.gatewayReplicas) : c.role === 'registry' ? 1 : manifest.services[c.service]!.replicas;
  return {
    name: swarmServiceName(manifest.name, c.service),
    service: c.service,
    role: c.role,
    image: c.image,
    replicas,
    endpointMode: published && !hostPorts ? 'vip' : 'dnsrr',
    publishMode: shared.publish,
    updateOrder: hostPorts ? 'stop-first' : 'start-first',
    env,
    labels: containerLabels,
    containerLabels,
    cmd: c.cmd,
    health: c.health,
    aliases: c.aliases,
    // Published on all interfaces (Swarm has no per-address publish): `gateway.bind` does not apply.
    ports: c.ports.map((p) => ({ published: p.hostPort, target: p.containerPort })),
    volumes: c.volumes,
    // The registry and the gateway bind the config dir locally; here it is Docker configs.
    binds: c.role === 'service' ? c.binds : [],
    constraints: c.role === 'service' && c.binds.length > 0 ? [pinnedTo(shared.nodeId, c.service)] : [],
    configs: needsConfig
      ? shared.configs
          .filter((cfg) => c.role === 'gateway' || cfg.file === DISCOVERY_CONFIG_FILE)
          .map((cfg) => ({ name: cfg.name, target: `${CONTAINER_CONFIG_DIR}/${cfg.file}` }))
      : [],
    secrets: gatewaySecrets.map((s) => ({ name: s.name, target: s.env, uid: RUNTIME_UID, gid: RUNTIME_UID, mode: 0o400 })),
    resources: resourcesOf(c.role === 'service' ? manifest.services[c.service]!.resources : undefined),
  };
}

/**
 * A bind source is a path on one machine: the node `deploy` talks to (a single-node swarm on a
 * laptop is the case mounts are for). Pinned there, a task never lands on a node without the folder.
 */
function pinnedTo(nodeId: string | undefined, service: string): string {
  if (!nodeId) throw new Error(`services.${service} has mounts but no swarm node was given to pin it to`);
  return `node.id==${nodeId}`;
}

function resourcesOf(spec: ServiceSpec['resources']): SwarmServicePlan['resources'] {
  if (!spec || (spec.cpus === undefined && spec.memory === undefined)) return undefined;
  return { cpus: spec.cpus, memoryBytes: spec.memory === undefined ? undefined : toBytes(spec.memory) };
}

/**
 * The config hash of a service covers everything in its spec except the version label, so a
 * second deploy of the same manifest, images and secrets finds every hash equal and updates
 * nothing.
 */
function withConfigHash(s: Omit<SwarmServicePlan, 'configHash'>): SwarmServicePlan {
  const { [LABEL.version]: _version, ...hashedLabels } = s.labels;
  const configHash = createHash('sha256').update(stableJson({ ...s, labels: hashedLabels, containerLabels: hashedLabels })).digest('hex').slice(0, 16);
  // The task containers carry it too: `deploy` tells the tasks of the new spec from the old by it.
  return { ...s, configHash, labels: { ...s.labels, [LABEL.configHash]: configHash }, containerLabels: { ...s.containerLabels, [LABEL.configHash]: configHash } };
}
