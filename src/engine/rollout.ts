// Bringing running services to the plan without failing a request: `restartServices` (every
// container replaced, rolling), `scaleService` (replicas added or drained at runtime) and
// `rollOut` under both (and under `portico dev`): the same first steps as `up` (generated
// files, images, plan), then per service one slot at a time through engine/rolling.ts.
// Plain functions with a request object, usable without the CLI (e.g. by an MCP server).
import { projectFilter, LABEL } from '../compile/labels.js';
import path from 'node:path';
import { selectServices, servicePath, type ContainerPlan } from '../compile/plan.js';
import { environmentError } from '../core/errors.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { ContainerSummary } from './docker/client.js';
import { gatewayUrlFromPorts } from './gateway-view.js';
import { replaceSlot, retireSlot, type SlotChange } from './rolling.js';
import { writeGenerated } from './stack-up.js';
import { serviceDistTarget } from './images/dist-overlay.js';
import { buildImages, resolveRuntime } from './up/images.js';
import { createNetwork } from './up/network.js';
import { traced } from './trace.js';
import type { StandbyPool } from './standby/pool.js';
import { withEffectiveConfigHashes } from './standby/effective-hash.js';
import { withoutIdleStandbys } from './standby/spec.js';
import { startRun, type UpRequest } from './up/run.js';

export type RolloutRequest = Omit<UpRequest, 'scope' | 'wait' | 'only'> & {
  /** The services to bring to the plan (their dependencies are planned, not touched). */
  services: string[];
  /** Replace every container, changed or not (`restart`). */
  force: boolean;
  /** Called as each container change completes. */
  onChange?: (change: SlotChange) => void;
  /**
   * `portico dev`: a template service whose new image would differ from the running one in
   * dist/'s contents only gets new containers from the running image with the bundle put in,
   * instead of an image build on the reload's path (images/dist-overlay.ts).
   */
  overlay?: boolean;
  /** `portico dev`: warm standbys the reload takes (with `overlay`) and refills (standby/pool.ts). */
  standbys?: StandbyPool;
};

export interface RolloutResult {
  changes: SlotChange[];
  /** Per image key: whether it was rebuilt in this run. */
  images: { key: string; ref: string; outcome: string }[];
}

export async function rollOut(req: RolloutRequest): Promise<RolloutResult> {
  const { run, plan, existing } = await prepareRollout(req);
  const changes: SlotChange[] = [];
  const ctx = {
    docker: run.docker,
    project: plan.project,
    network: plan.network.name,
    timeoutMs: req.timeoutMs,
    gatewayUrl: runningGatewayUrl(existing),
    signal: run.signal,
    clock: req.clock,
    onChange: (c: SlotChange) => {
      changes.push(c);
      req.onChange?.(c);
    },
  };
  const pool = req.standbys;
  for (const service of req.services) {
    const desired = plan.containers.filter((c) => c.service === service);
    const current = existing.filter((c) => c.labels[LABEL.service] === service);
    const { replace, retire } = slotActions(desired, current, req.force);
    const overlay = run.state.images[service]?.overlay;
    const distTarget = pool && replace.length > 0 ? (overlay?.target ?? (await serviceDistTarget(serviceDir(req.loaded, service)))) : undefined;
    for (const [d, old] of replace) {
      const standby = overlay && pool ? await pool.take(d, overlay.image) : undefined;
      try {
        await replaceSlot(ctx, d, old, overlay, standby);
      } finally {
        // The slot's next standby, from the image it runs now (the next save's overlay base);
        // none once dev is stopping (its pool would only remove it again).
        if (!req.signal?.aborted) pool?.fill(d, overlay?.image ?? d.image, plan.network.name, distTarget);
      }
    }
    for (const old of retire) await retireSlot(ctx, old);
    pool?.keepOnly(service, desired.map((d) => d.name));
  }
  const images = Object.entries(run.state.images).map(([key, v]) => ({ key, ref: v.ref, outcome: v.outcome }));
  return { changes, images };
}

/**
 * The first steps of a rollout, as `up` takes them (generated files, runtime image, images,
 * network), and the project's containers with their effective config hashes (idle standbys
 * left out: they are not part of the stack).
 */
async function prepareRollout(req: RolloutRequest) {
  const project = req.loaded.manifest.name;
  const listed = await req.docker.listContainers(projectFilter(project));
  if (!listed.some((c) => c.labels[LABEL.service] === 'registry' && c.state === 'running')) {
    throw environmentError(`the ${project} stack is not running.`, 'Start it with `portico up`.');
  }
  const existing = await withEffectiveConfigHashes(req.docker, withoutIdleStandbys(listed), req.standbys?.promoted);
  const overlayBases = req.overlay ? runningImages(existing, req.services) : undefined;
  const run = startRun({ ...req, scope: 'stack', wait: true, only: req.services, overlayBases }, selectServices(req.loaded.manifest, req.services));
  await traced('rollout: generated files', () => writeGenerated(run));
  await traced('rollout: runtime image', () => resolveRuntime(run));
  await traced('rollout: images', () => buildImages(run));
  await traced('rollout: network', () => createNetwork(run));
  return { run, plan: run.state.plan!, existing };
}

/**
 * `portico dev`, once the stack is up: a standby for every running slot of `req.services`,
 * from the image the slot runs (its images are current: `up` just built them).
 */
export async function fillStandbys(req: Omit<RolloutRequest, 'force'> & { standbys: StandbyPool }): Promise<void> {
  const { plan, existing } = await prepareRollout({ ...req, force: false });
  for (const service of req.services) {
    const distTarget = await serviceDistTarget(serviceDir(req.loaded, service));
    for (const d of plan.containers.filter((c) => c.service === service)) {
      const running = existing.find((c) => c.name === d.name && c.state === 'running');
      if (running) req.standbys.fill(d, running.image, plan.network.name, distTarget);
    }
  }
}

/** A service's folder (where its Dockerfile is). */
function serviceDir(loaded: LoadedManifest, service: string): string {
  return path.resolve(loaded.dir, servicePath(service, loaded.manifest.services[service]!));
}

/** Pure: the running gateway's URL on the host (null when it is not running or publishes no port). */
function runningGatewayUrl(existing: ContainerSummary[]): string | null {
  const gateway = existing.find((c) => c.labels[LABEL.service] === 'gateway' && c.state === 'running');
  return gateway ? gatewayUrlFromPorts(gateway.ports) : null;
}

/** Pure: per service, the images its running containers were created from. */
function runningImages(existing: ContainerSummary[], services: string[]): Record<string, string[]> {
  const running = existing.filter((c) => c.state === 'running');
  return Object.fromEntries(services.map((s) => [s, running.filter((c) => c.labels[LABEL.service] === s).map((c) => c.image)]));
}

/**
 * Pure: which slots get a new container (missing, stopped, changed, or all with `force`) and
 * which containers go (replicas above the count, leftovers of an interrupted replace). Surplus
 * containers go last and highest replica first, so the service never has fewer than the
 * desired count passing.
 */
export function slotActions(desired: ContainerPlan[], current: ContainerSummary[], force: boolean) {
  const byName = new Map(current.map((c) => [c.name, c]));
  const replace: [ContainerPlan, ContainerSummary | undefined][] = [];
  for (const d of desired) {
    const old = byName.get(d.name);
    byName.delete(d.name);
    if (!old || force || old.state !== 'running' || old.labels[LABEL.configHash] !== d.configHash) replace.push([d, old]);
  }
  const replicaOf = (c: ContainerSummary) => Number(c.labels[LABEL.replica] ?? 0);
  const retire = [...byName.values()].sort((a, b) => replicaOf(b) - replicaOf(a));
  return { replace, retire };
}

/** `portico restart <service...>`: every container of the services replaced, one at a time. */
export function restartServices(req: Omit<RolloutRequest, 'force'>): Promise<RolloutResult> {
  return rollOut({ ...req, force: true });
}

/**
 * `portico scale <service>=<n>`: the running stack gets `replicas` containers of `service`
 * (the manifest in `req.loaded` is not changed on disk; discovery.json follows the new count
 * so the registry seeds it; a later `up` returns to portico.yaml's count).
 */
export function scaleService(req: Omit<RolloutRequest, 'force' | 'services'> & { service: string; replicas: number }): Promise<RolloutResult> {
  const { service, replicas, ...rest } = req;
  return rollOut({ ...rest, loaded: withReplicas(req.loaded, service, replicas), services: [service], force: false });
}

export function withReplicas(loaded: LoadedManifest, service: string, replicas: number): LoadedManifest {
  const spec = loaded.manifest.services[service]!;
  return { ...loaded, manifest: { ...loaded.manifest, services: { ...loaded.manifest.services, [service]: { ...spec, replicas } } } };
}
