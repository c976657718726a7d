// Replacing a service's containers without failing a request (start-first, like Swarm's
// `order: start-first`), used by `portico restart`, `portico scale` and `portico dev`.
//
// One slot (`<project>-<service>-<n>`) at a time:
//   1. the new container is created under a temporary name `<name>-<generation>` (also its
//      registry instance id, so its registration cannot collide with the old one's), under
//      `dev` possibly from the running image with the new dist/ put in (images/dist-overlay.ts),
//      started, and waited for until the gateway routes to it (template services with a route;
//      those without: until the registry lists it `passing`) or Docker reports it healthy (the
//      others). Under `dev` it may
//      instead be the slot's warm standby, already started, given the network and the new
//      dist/ (standby/spec.ts);
//   2. the old container is renamed out of the way and the new one renamed to `<name>`: the
//      container names stay what `status`, `logs`, `exec` and a following `up` expect (the
//      plan's config hash leaves out the name and the instance id, so `up` sees nothing to do);
//   3. the old container is drained: SIGTERM makes a template service deregister, stop
//      accepting and finish its in-flight requests (the gateway retries an idempotent request
//      refused meanwhile on another passing instance, here the new one); then it is removed.
// A new container that never gets healthy is removed and the old one keeps serving.
import type { ContainerPlan } from '../compile/plan.js';
import { LABEL } from '../compile/labels.js';
import { SERVICE_ENV } from '../runtime/contract/index.js';
import { PorticoError } from '../core/errors.js';
import type { ContainerSummary, DockerClient } from './docker/client.js';
import { diagnose, readiness, realClock, waitReady, type WaitClock } from './health.js';
import { waitPassingInRegistry } from './registry-view.js';
import { waitRoutedByGateway } from './gateway-view.js';
import { traced } from './trace.js';
import { overlayArchive, standbyArchive, type DistOverlay } from './images/dist-overlay.js';
import type { WarmStandby } from './standby/spec.js';
import { fillStandbyFolder } from './standby/files.js';

/** Seconds a drained container gets to finish its in-flight requests before it is killed. */
export const DRAIN_TIMEOUT_S = 10;
const CONTAINER_POLL_MS = 200;
const WAITER_MS = 15_000;

export interface RollContext {
  docker: DockerClient;
  project: string;
  network: string;
  /** How long a new container may take to be healthy and passing. */
  timeoutMs: number;
  /**
   * The running gateway's URL on the host: a template service's new container serves once the
   * gateway balances over it (gateway-view.ts); without it, or when the gateway cannot tell,
   * once the registry lists it passing.
   */
  gatewayUrl?: string | null;
  signal?: AbortSignal;
  clock?: WaitClock;
  /** One line per finished container change (for the CLI). */
  onChange?: (change: SlotChange) => void;
}

export interface SlotChange {
  service: string;
  container: string;
  action: 'replaced' | 'added' | 'removed';
  /** From the start of the change until it was done (the old container drained and removed). */
  ms: number;
  /** When (clock time) the new container was serving: the gateway routes to it from then on. */
  servingAt?: number;
  /** The new container was a warm standby of `portico dev` (created and started before the save). */
  warm?: true;
}

/** A new container failed to become healthy; the old one (if any) keeps serving. */
export class RollFailure extends PorticoError {
  constructor(container: string, reason: string, details: { healthOutput?: string; logs: string[] }) {
    super(`${container}: ${reason}; nothing was replaced, the running containers keep serving.`, {
      hint: `Its last log lines:\n${details.logs.slice(-15).join('\n') || '(none)'}${details.healthOutput ? `\nLast health check: ${details.healthOutput}` : ''}`,
      details,
    });
    this.name = 'RollFailure';
  }
}

/** The temporary name (and instance id) of a slot's next container. */
export const nextName = (name: string, generation: string) => `${name}-${generation}`;
export const generationId = () => Date.now().toString(36).slice(-6);

/** Starts `desired` next to `old` (or alone), waits until it serves, then drains and removes `old`. */
export async function replaceSlot(ctx: RollContext, desired: ContainerPlan, old: ContainerSummary | undefined, overlay?: DistOverlay, standby?: WarmStandby): Promise<void> {
  const clock = ctx.clock ?? realClock;
  const started = clock.now();
  const { docker } = ctx;
  const generation = generationId();
  const deadline = clock.now() + ctx.timeoutMs;
  // A standby takes only the new bundle (the overlay); without one it is not used.
  const warm = standby !== undefined && overlay !== undefined;
  const launch = warm ? promoteStandby(ctx, desired, overlay, standby) : createAndStart(ctx, desired, old ? nextName(desired.name, generation) : desired.name, overlay);
  // Asked before the container serves: the waiter's own start-up overlaps creating and
  // starting the container. Ended with the wait (a waiter must not outlive a failed container).
  const waiting = new AbortController();
  const stop = ctx.signal ? AbortSignal.any([ctx.signal, waiting.signal]) : waiting.signal;
  const early = registers(desired) ? askServing(ctx, desired, launch.instanceId, deadline, stop) : undefined;
  let id: string | undefined;
  try {
    id = await launch.id;
    await traced(`slot ${desired.name}: start to serving`, () => waitServing(ctx, desired, id!, launch.instanceId, deadline, early, stop));
  } catch (error) {
    const facts = id ? await diagnose(docker, id, 30).catch(() => ({ logs: [] as string[] })) : { logs: [] };
    // A launch that failed before its container ran removed that container itself.
    if (id) await docker.removeContainer(id, { force: true });
    if (error instanceof WaitError) throw new RollFailure(launch.name, error.message, facts);
    throw error;
  } finally {
    waiting.abort();
  }
  const servingAt = clock.now();
  if (old) {
    await traced(`slot ${desired.name}: renames`, async () => {
      await docker.renameContainer(old.id, `${old.name}-old-${generation}`);
      await docker.renameContainer(id!, desired.name);
    });
    await traced(`slot ${desired.name}: drain`, () => drain(docker, old.id));
  } else if (launch.name !== desired.name) {
    await docker.renameContainer(id, desired.name);
  }
  ctx.onChange?.({ service: desired.service, container: desired.name, action: old ? 'replaced' : 'added', ms: clock.now() - started, servingAt, ...(warm ? { warm: true } : {}) });
}

/** A slot's next container on its way: its name until it serves, its registry instance id, and its id once started. */
interface Launch {
  name: string;
  instanceId: string;
  id: Promise<string>;
}

/** The new container created (under `dev`: from the running image with the new dist/ put in) and started. */
function createAndStart(ctx: RollContext, desired: ContainerPlan, name: string, overlay: DistOverlay | undefined): Launch {
  const { docker } = ctx;
  const env = desired.role === 'service' ? { ...desired.env, [SERVICE_ENV.instanceId]: name } : desired.env;
  // The instance id stays the temporary name after the rename: the label lets `status` find it in the registry.
  const labels = desired.role === 'service' ? { ...desired.labels, [LABEL.instance]: name } : desired.labels;
  const image = overlay?.image ?? desired.image;
  // Packed while the container is created.
  const archive = overlay && overlayArchive(overlay);
  archive?.catch(() => undefined);
  const id = (async () => {
    const created = await traced(`slot ${desired.name}: create`, () => docker.createContainer({ ...desired, image, name, env, labels, network: ctx.network, init: true }));
    try {
      // `portico dev`: the running image plus the new bundle, instead of a freshly built image.
      if (overlay) await traced(`slot ${desired.name}: put dist/`, async () => docker.putArchive(created, overlay.target, await archive!));
      await traced(`slot ${desired.name}: start`, () => docker.startContainer(created));
    } catch (error) {
      await docker.removeContainer(created, { force: true }).catch(() => undefined);
      throw error;
    }
    return created;
  })();
  id.catch(() => undefined);
  return { name, instanceId: name, id };
}

/**
 * A warm standby (`portico dev`, standby/spec.ts) made the slot's next container: joined to the
 * network with the service's aliases while the bundle and the marker go in (copied into its
 * host folder, or through the archive API); its boot script then imports the service.
 */
function promoteStandby(ctx: RollContext, desired: ContainerPlan, overlay: DistOverlay, standby: WarmStandby): Launch {
  const { docker } = ctx;
  const id = traced(`slot ${desired.name}: promote standby`, async () => {
    try {
      // The network is joined while the archive is packed and sent.
      await Promise.all([
        traced(`slot ${desired.name}: connect network`, async () => {
          if (!(await standby.joined)) await docker.connectNetwork(standby.id, ctx.network, desired.aliases);
        }),
        traced(`slot ${desired.name}: put dist/ and marker`, async () => {
          const marker = { configHash: desired.configHash };
          if (standby.filesDir) await fillStandbyFolder(standby.filesDir, overlay.files, marker);
          else await docker.putArchive(standby.id, '/', await standbyArchive(overlay, marker));
        }),
      ]);
    } catch (error) {
      await docker.removeContainer(standby.id, { force: true }).catch(() => undefined);
      throw error;
    }
    return standby.id;
  });
  id.catch(() => undefined);
  return { name: standby.name, instanceId: standby.instanceId, id };
}

/** Stops a container gracefully (SIGTERM: deregister, finish in-flight requests), then removes it. */
export async function drain(docker: DockerClient, id: string): Promise<void> {
  await docker.stopContainer(id, DRAIN_TIMEOUT_S);
  await docker.removeContainer(id, { force: true });
}

/** Drains and removes one surplus container (scale down). */
export async function retireSlot(ctx: RollContext, existing: ContainerSummary): Promise<void> {
  const started = (ctx.clock ?? realClock).now();
  await drain(ctx.docker, existing.id);
  ctx.onChange?.({ service: existing.labels[LABEL.service] ?? '', container: existing.name, action: 'removed', ms: (ctx.clock ?? realClock).now() - started });
}

class WaitError extends Error {}

/**
 * When the new container serves. Template services (the plan gives them the health check)
 * register themselves under their instance id when they listen and the registry probes a new
 * registration at once: `passing` there is "the gateway may route to it", the gateway's own
 * list of instances it balances over is "it does" (asked when the service has a route), and
 * both come well before Docker's first health check (one interval after start). Image and Dockerfile
 * services do not register: Docker's health (or running) is all there is.
 */
async function waitServing(ctx: RollContext, desired: ContainerPlan, id: string, instanceId: string, deadline: number, early: Promise<boolean> | undefined, stop: AbortSignal): Promise<void> {
  const clock = ctx.clock ?? realClock;
  if (!registers(desired)) {
    const failure = await waitReady(ctx.docker, [{ id, name: instanceId }], { timeoutMs: ctx.timeoutMs, deadline, signal: ctx.signal, clock });
    if (failure) throw new WaitError(failure.reason);
    return;
  }
  // The waiter (the gateway polled from here, or a loop in the registry container) answers at
  // once when the instance serves; meanwhile the container is watched so one that exits fails the wait without waiting for the timeout.
  // Each waiter is bounded (WAITER_MS), so one left behind by a failed container ends soon.
  let next = early;
  while (clock.now() < deadline) {
    let settled = false;
    const passing = (next ?? askServing(ctx, desired, instanceId, deadline, stop)).finally(() => (settled = true));
    next = undefined;
    const watchContainer = async (): Promise<false> => {
      while (!settled) {
        await clock.sleep(CONTAINER_POLL_MS, ctx.signal);
        const state = readiness(await ctx.docker.inspectContainer(id));
        if (state.state === 'failed') throw new WaitError(state.reason!);
      }
      return false;
    };
    if (await Promise.race([passing, watchContainer()])) return;
  }
  throw new WaitError(`not routed by the gateway nor passing in the registry after ${Math.round(ctx.timeoutMs / 1000)} s`);
}

/** Template services register with the registry (the plan gives them the health check). */
const registers = (desired: ContainerPlan) => desired.role === 'service' && desired.health !== undefined;

/**
 * One bounded waiter (WAITER_MS at most) for `instanceId` to serve; false when it did not in
 * time. The gateway is asked first (from the host, no exec); the registry when the gateway
 * cannot tell (no route to the service, no registry subscription, not reachable from here).
 * `stop` ends a gateway waiter early (the wait is over); the registry's ends within its budget.
 */
async function askServing(ctx: RollContext, desired: ContainerPlan, instanceId: string, deadline: number, stop: AbortSignal): Promise<boolean> {
  const budget = Math.min(WAITER_MS, deadline - (ctx.clock ?? realClock).now());
  if (ctx.gatewayUrl) {
    const routing = await waitRoutedByGateway(ctx.gatewayUrl, desired.service, instanceId, budget, stop).catch(() => 'unknown' as const);
    if (routing !== 'unknown') return routing === 'routed';
  }
  return waitPassingInRegistry(ctx.docker, ctx.project, desired.service, instanceId, budget).catch(() => false);
}
