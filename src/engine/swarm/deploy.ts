// `portico deploy --target swarm`: images (built as `up` builds them; pushed with --push) ->
// Docker secrets from the env vars the manifest names -> configs -> overlay network ->
// create / update / keep each Swarm service by its config hash -> wait until the Swarm has
// converged -> remove the configs and secrets no service uses any more.
import { createHmac } from 'node:crypto';
import { PorticoError, environmentError, usageError } from '../../core/errors.js';
import { planSwarm, type PublishMode, type SwarmPlan, type SwarmServicePlan } from '../../compile/swarm-plan.js';
import { writeGeneratedFiles } from '../../workspace/generated-files.js';
import { readGatewayCa } from '../../workspace/gateway-ca.js';
import type { LoadedManifest } from '../../manifest/load.js';
import type { DockerClient } from '../docker/client.js';
import { isConflict, networkConflict } from '../docker/errors.js';
import { ensureStackImages } from '../images/stack-images.js';
import type { ImageReporter } from '../images/runtime-image.js';
import { LABEL, projectFilter } from '../../compile/labels.js';
import { gatewaySecrets, registryToken } from '../workspace.js';
import type { ObjectIds, SwarmClient, SwarmInfo, SwarmServiceInfo } from './client.js';
import { withWorkspaceFiles } from '../workspace-files.js';
import { waitConverged } from './converge.js';
import { collectSwarmStatus, type SwarmStatus } from './status.js';

export interface DeployRequest {
  docker: DockerClient;
  swarm: SwarmClient;
  loaded: LoadedManifest;
  version: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  build: boolean;
  /** `--push <registry>`: push every built image there and deploy the pushed references. */
  push?: string;
  gatewayReplicas: number;
  publish: PublishMode;
  signal: AbortSignal;
  /** Progress lines (stderr with --json). */
  say: (line: string) => void;
}

export type ServiceAction = 'created' | 'updated' | 'unchanged' | 'removed';

export interface DeployResult {
  status: SwarmStatus;
  actions: Record<ServiceAction, number>;
  services: { name: string; action: ServiceAction }[];
  images: { key: string; ref: string; outcome: string }[];
  removed: { configs: string[]; secrets: string[] };
}

/** The engine is a Swarm manager, or an exit-3 error saying how to make it one. */
export async function assertSwarmManager(swarm: SwarmClient): Promise<SwarmInfo> {
  const info = await swarm.info();
  if (info.state !== 'active') {
    throw environmentError(`this Docker engine is not part of a swarm (state: ${info.state}).`, 'Run `docker swarm init` (on a laptop: `docker swarm init --advertise-addr 127.0.0.1`), then deploy again.');
  }
  if (!info.manager) throw environmentError('this Docker engine is a swarm worker; services can only be deployed from a manager.', 'Run the command against a manager node (DOCKER_HOST), or `docker node promote` this one.');
  return info;
}

export async function deployToSwarm(req: DeployRequest): Promise<DeployResult> {
  const { swarm, loaded, say } = req;
  const manifest = loaded.manifest;
  const project = manifest.name;
  const since = new Date().toISOString();
  const node = await assertSwarmManager(swarm);

  // Secrets first: a missing one is a usage error before anything is built or created.
  const secrets = await gatewaySecrets(manifest, loaded.dir, req.env);
  if (secrets.missing.length > 0) {
    throw usageError(`${secrets.missing.join(', ')} ${secrets.missing.length === 1 ? 'is' : 'are'} not set: the Swarm secrets are created from these env vars.`, 'Export them in the shell (or put them in the workspace .env), then deploy again. Their values are sent to the engine only.');
  }

  // envFile values into the services' env (in memory, as `up` does; a missing file is an error
  // before anything is built), mount sources absolute.
  const withFiles = (await withWorkspaceFiles(loaded, Object.keys(manifest.services))).manifest;

  await writeGeneratedFiles(loaded);
  const images = await buildImages(req);
  const refs: Record<string, string> = Object.fromEntries(images.map((i) => [i.key, i.ref]));
  if (req.push) await pushImages(req, images, refs);

  const token = await registryToken(loaded.dir);
  // Secret names carry a keyed digest of the value (Docker secrets are immutable: a new value
  // is a new secret); keyed by the stack's registry token so the name reveals nothing about the value.
  const secretDigests = Object.fromEntries(Object.entries(secrets.values).map(([k, v]) => [k, createHmac('sha256', token).update(v).digest('hex')]));
  const plan = planSwarm(withFiles, {
    version: req.version,
    images: refs,
    registryToken: token,
    secretDigests,
    gatewayReplicas: req.gatewayReplicas,
    publish: req.publish,
    gatewayCa: await readGatewayCa(loaded),
    nodeId: node.nodeId,
  });
  if (node.nodes > 1) {
    for (const s of plan.services.filter((x) => x.binds.length > 0)) say(`note ${s.service} has mounts: its tasks run on this node only (${node.nodeId}), where the folders are`);
  }

  await ensureNetwork(swarm, plan);
  const ids = await ensureObjects(swarm, plan, secrets.values, say);
  const services = await reconcileServices(swarm, plan, ids, say);

  const changed = services.filter((s) => s.action === 'created' || s.action === 'updated').map((s) => s.name);
  say(changed.length > 0 ? `waiting for ${changed.join(', ')} to converge` : 'every service unchanged');
  const failure = await waitConverged(swarm, project, plan.services.map((s) => s.name), {
    timeoutMs: req.timeoutMs,
    since,
    signal: req.signal,
    onProgress: say,
  });
  if (failure) {
    const status = await collectSwarmStatus(swarm, project);
    throw deployFailure(failure.service, failure.reason, status);
  }
  const removed = await pruneObjects(swarm, plan);
  const count = (a: ServiceAction) => services.filter((s) => s.action === a).length;
  return {
    status: await collectSwarmStatus(swarm, project),
    actions: { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), removed: count('removed') },
    services,
    images,
    removed,
  };
}

/** The same images `up` builds (template services, registry, gateway) or pulls (plain images). */
async function buildImages(req: DeployRequest) {
  const report: ImageReporter = { info: (m) => req.say(`note ${m}`), progress: () => undefined };
  const { built } = await ensureStackImages(req.docker, req.loaded, {
    version: req.version,
    signal: req.signal,
    report,
    force: req.build,
    onBuilt: (key, image) => req.say(`image ${key}: ${image.ref} (${image.outcome === 'cached' ? 'up to date' : image.outcome})`),
  });
  return built;
}

/** The reference an image gets in a registry: `<registry>/<local ref>`. */
export function pushedRef(registry: string, ref: string): string {
  return `${registry.replace(/\/+$/, '')}/${ref}`;
}

/** Every image Portico built goes to the registry; plain images (redis:7) are pulled by the nodes themselves. */
async function pushImages(req: DeployRequest, images: Awaited<ReturnType<typeof buildImages>>, refs: Record<string, string>) {
  const registry = req.push!;
  for (const image of images.filter((i) => i.pushable)) {
    const target = pushedRef(registry, image.ref);
    req.say(`push ${target}`);
    await req.swarm.tagImage(image.ref, target);
    try {
      await req.swarm.pushImage(target);
    } catch (error) {
      throw new PorticoError(`pushing ${target} failed: ${(error as Error).message}`, {
        hint: `Check that ${registry} is reachable from this engine and that you are logged in (\`docker login ${registry.split('/')[0]}\`).`,
      });
    }
    refs[image.key] = target;
    image.ref = target;
  }
}

async function ensureNetwork(swarm: SwarmClient, plan: SwarmPlan): Promise<void> {
  const ours = await swarm.listNetworks(projectFilter(plan.project));
  if (ours.some((n) => n.name === plan.network.name)) return;
  try {
    await swarm.createOverlayNetwork(plan.network.name, plan.network.labels);
  } catch (error) {
    if (isConflict(error)) throw networkConflict(plan.network.name, plan.project);
    throw error;
  }
}

/** Creates the configs and secrets the plan names that do not exist yet; returns every id by name. */
async function ensureObjects(swarm: SwarmClient, plan: SwarmPlan, values: Record<string, string>, say: (l: string) => void): Promise<ObjectIds> {
  const filter = projectFilter(plan.project);
  const configs = new Map((await swarm.listConfigs(filter)).map((c) => [c.name, c.id]));
  for (const c of plan.configs) {
    if (configs.has(c.name)) continue;
    configs.set(c.name, await swarm.createConfig(c.name, c.content, c.labels));
    say(`config ${c.name} created`);
  }
  const secrets = new Map((await swarm.listSecrets(filter)).map((s) => [s.name, s.id]));
  for (const s of plan.secrets) {
    if (secrets.has(s.name)) continue;
    secrets.set(s.name, await swarm.createSecret(s.name, values[s.env]!, s.labels));
    say(`secret ${s.name} created (from ${s.env})`);
  }
  return { configs, secrets };
}

async function reconcileServices(swarm: SwarmClient, plan: SwarmPlan, ids: ObjectIds, say: (l: string) => void) {
  const existing = new Map((await swarm.listServices(projectFilter(plan.project))).map((s) => [s.name, s]));
  const results: { name: string; action: ServiceAction }[] = [];
  // Registry first, gateway last: the order `up` starts them in (Swarm starts them concurrently anyway).
  for (const desired of plan.services) {
    const found = existing.get(desired.name);
    existing.delete(desired.name);
    const action = await applyService(swarm, desired, found, plan.network.name, ids);
    say(`service ${desired.name}: ${action}`);
    results.push({ name: desired.name, action });
  }
  // Services of this project no longer in the manifest were deployed by an earlier deploy.
  for (const gone of existing.values()) {
    await swarm.removeService(gone.id);
    say(`service ${gone.name}: removed (no longer in portico.yaml)`);
    results.push({ name: gone.name, action: 'removed' });
  }
  return results;
}

async function applyService(swarm: SwarmClient, desired: SwarmServicePlan, found: SwarmServiceInfo | undefined, network: string, ids: ObjectIds): Promise<ServiceAction> {
  if (!found) {
    await createService(swarm, desired, network, ids);
    return 'created';
  }
  if (found.labels[LABEL.configHash] === desired.configHash) return 'unchanged';
  if (found.global !== (desired.replicas === 'global')) {
    // Swarm cannot change a service between replicated and global (`--publish` switched):
    // the only way is a new service, so this one update is not a rolling one.
    await swarm.removeService(found.id);
    await createService(swarm, desired, network, ids);
    return 'updated';
  }
  await swarm.updateService(found, desired, network, ids);
  return 'updated';
}

async function createService(swarm: SwarmClient, desired: SwarmServicePlan, network: string, ids: ObjectIds): Promise<void> {
  try {
    await swarm.createService(desired, network, ids);
  } catch (error) {
    if (isConflict(error)) {
      throw new PorticoError(`a Swarm service named ${desired.name} already exists and is not labelled for this project.`, {
        hint: `Remove it (\`docker service rm ${desired.name}\`) if it is yours, or rename the project in portico.yaml.`,
      });
    }
    throw error;
  }
}

/** After convergence: configs and secrets of the project that no planned service refers to. */
async function pruneObjects(swarm: SwarmClient, plan: SwarmPlan): Promise<{ configs: string[]; secrets: string[] }> {
  const filter = projectFilter(plan.project);
  const wantedConfigs = new Set(plan.configs.map((c) => c.name));
  const wantedSecrets = new Set(plan.secrets.map((s) => s.name));
  const removed = { configs: [] as string[], secrets: [] as string[] };
  for (const c of await swarm.listConfigs(filter)) {
    if (wantedConfigs.has(c.name)) continue;
    // Still referenced by a task being rolled back is "in use": left for the next deploy.
    if (await swarm.removeConfig(c.id).then(() => true, () => false)) removed.configs.push(c.name);
  }
  for (const s of await swarm.listSecrets(filter)) {
    if (wantedSecrets.has(s.name)) continue;
    if (await swarm.removeSecret(s.id).then(() => true, () => false)) removed.secrets.push(s.name);
  }
  return removed;
}

/** `deploy` did not converge: the failing service and why (the task's error), with the status for --json. */
export function deployFailure(service: string, reason: string, status: SwarmStatus): PorticoError {
  return new PorticoError(`${service} did not converge: ${reason}`, {
    hint: `\`portico deploy logs ${service.replace(`${status.project}-`, '')}\` shows its output and \`portico deploy status\` every task; with an update, Swarm rolls the service back to its previous spec.`,
    details: { service, reason, status },
  });
}
