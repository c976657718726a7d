// The warm standbys of a `portico dev` session (spec.ts): one per slot of each
// template service, created and started in the background after the stack is up and again
// after each reload, taken by the next reload of that slot. A standby that no longer fits the
// slot's plan (its env, mounts or health changed, or the service runs another image) is removed
// and the reload creates a container as without one. Failures here never fail a reload: the
// slot simply has no standby. With `filesDir` (a local engine) each standby gets its host
// folder there (spec.ts standbyBinds); the folders of containers that are gone are pruned.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerPlan } from '../../compile/plan.js';
import { LABEL, projectFilter } from '../../compile/labels.js';
import { SERVICE_ENV } from '../../runtime/contract/index.js';
import type { DockerClient } from '../docker/client.js';
import { generationId, nextName } from '../rolling.js';
import { isIdleStandby, standbyBinds, standbyCmd, standbyFingerprint, standbyName, STANDBY_START_PERIOD_MS, type WarmStandby } from './spec.js';
import { traced } from '../trace.js';
import { makeStandbyFolder, makeStandbyRoot, pruneStandbyFolders } from './files.js';

interface Standby extends WarmStandby {
  service: string;
  imageId: string;
  fingerprint: string;
  network: string;
  aliases: string[];
}

export interface StandbyPool {
  /**
   * The slot's standby when it was made from `desired`'s plan on image `imageId` and still
   * runs; undefined otherwise (an unfit one is removed). Taken: the pool forgets it.
   */
  take(desired: ContainerPlan, imageId: string): Promise<WarmStandby | undefined>;
  /**
   * Starts making a standby of `desired`'s slot from `image` (replacing the slot's current one).
   * `distTarget`: where the image has dist/ (the Dockerfile's COPY destination); with it (and
   * the pool's filesDir) the standby gets its bundle through host folders.
   */
  fill(desired: ContainerPlan, image: string, network: string, distTarget?: string): void;
  /**
   * A source change of `service` is being reloaded: its standbys join the network now, while
   * the bundle is built, so that is off the reload's path.
   */
  joinAhead(service: string): void;
  /** The reload of `service` is over: standbys it joined ahead but did not take leave the network again. */
  leaveAhead(service: string): Promise<void>;
  /** Removes the service's standbys of slots not in `slots` (after a scale down). */
  keepOnly(service: string, slots: string[]): void;
  /** Resolves once every standby being made is started (or failed): `dev` says `watching` after that. */
  ready(): Promise<void>;
  /** Removes the host folders (filesDir) of containers that no longer exist. */
  prune(): Promise<void>;
  /** Config hashes of the containers standbys became (container id -> hash): see effective-hash.ts. */
  readonly promoted: ReadonlyMap<string, string>;
  /** Waits for the standbys being made, then removes every idle one. */
  dispose(): Promise<void>;
}

export interface StandbyPoolOptions {
  /**
   * Host folder for the standbys' bundles (`<workspace>/.portico/standby`), when the engine
   * runs on this machine (its bind mounts see this file system); without it, archives.
   */
  filesDir?: string;
}

export async function standbyPool(docker: DockerClient, project: string, options: StandbyPoolOptions = {}): Promise<StandbyPool> {
  const { filesDir } = options;
  /** Instance ids of standbys being made: their folders exist before their containers do. */
  const making = new Set<string>();
  const folderOf = (instanceId: string) => (filesDir ? path.join(filesDir, instanceId) : undefined);
  const removeStandby = async (s: WarmStandby) => {
    await docker.removeContainer(s.id, { force: true });
    if (s.filesDir) await rm(s.filesDir, { recursive: true, force: true });
  };
  const prune = async () => {
    if (!filesDir) return;
    const live = (await docker.listContainers(projectFilter(project))).map((c) => c.labels[LABEL.instance] ?? '');
    await pruneStandbyFolders(filesDir, new Set([...live, ...making]));
  };

  // Left by a session that ended without cleaning up (killed): not part of the stack.
  const leftovers = (await docker.listContainers(projectFilter(project))).filter(isIdleStandby);
  await Promise.all(leftovers.map((c) => docker.removeContainer(c.id, { force: true })));
  if (filesDir) await makeStandbyRoot(filesDir);
  await prune();

  const slots = new Map<string, Promise<Standby | undefined>>();
  /** Per service whose reload is under way: the standbys joined to the network ahead and not taken. */
  const ahead = new Map<string, Set<Standby>>();
  const promoted = new Map<string, string>();
  const removeLater = (standby: Promise<Standby | undefined>) => {
    void standby.then((s) => s && removeStandby(s)).catch(() => undefined);
  };

  const make = async (desired: ContainerPlan, image: string, network: string, distTarget: string | undefined): Promise<Standby | undefined> => {
    const info = await docker.inspectImage(image);
    const cmd = standbyCmd(desired.cmd ?? info?.cmd);
    // Published host ports cannot be held by two containers; without a health check the service does not register.
    if (!info || !cmd || !desired.health || desired.ports.length > 0) return undefined;
    const name = standbyName(desired.name);
    const instanceId = nextName(desired.name, `${generationId()}${Math.random().toString(36).slice(2, 4)}`);
    const folder = distTarget ? folderOf(instanceId) : undefined;
    making.add(instanceId);
    try {
      if (folder) await makeStandbyFolder(folder);
      const id = await docker.createContainer({
        ...desired,
        image: info.id,
        name,
        cmd,
        env: { ...desired.env, [SERVICE_ENV.instanceId]: instanceId },
        labels: { ...desired.labels, [LABEL.instance]: instanceId, [LABEL.standby]: '1' },
        health: { ...desired.health, startPeriodMs: STANDBY_START_PERIOD_MS },
        binds: folder ? [...desired.binds, ...standbyBinds(folder, distTarget!)] : desired.binds,
        aliases: [],
        network,
        init: true,
      });
      const standby: Standby = { id, name, instanceId, service: desired.service, imageId: info.id, fingerprint: standbyFingerprint(desired), network, aliases: desired.aliases, ...(folder ? { filesDir: folder } : {}) };
      try {
        // Off the network until the reload: the service's alias must not resolve to it yet.
        await docker.disconnectNetwork(id, network);
        await docker.startContainer(id);
      } catch (error) {
        await removeStandby(standby).catch(() => undefined);
        throw error;
      }
      return standby;
    } catch (error) {
      if (folder) await rm(folder, { recursive: true, force: true });
      throw error;
    } finally {
      making.delete(instanceId);
    }
  };

  return {
    async take(desired, imageId) {
      const pending = slots.get(desired.name);
      if (!pending) return undefined;
      slots.delete(desired.name);
      const standby = await pending.catch(() => undefined);
      if (!standby) return undefined;
      const running = (await docker.inspectContainer(standby.id).catch(() => undefined))?.state.running === true;
      if (!running || standby.imageId !== imageId || standby.fingerprint !== standbyFingerprint(desired)) {
        ahead.get(standby.service)?.delete(standby);
        removeLater(Promise.resolve(standby));
        return undefined;
      }
      promoted.set(standby.id, desired.configHash);
      ahead.get(standby.service)?.delete(standby);
      return standby;
    },
    fill(desired, image, network, distTarget) {
      const previous = slots.get(desired.name);
      // After the previous one is gone: both would have the same name.
      const next = (previous ?? Promise.resolve(undefined))
        .catch(() => undefined)
        .then((old) => old && removeStandby(old))
        .then(() => traced(`standby ${desired.name}: create and start`, () => make(desired, image, network, distTarget)));
      next.catch(() => undefined);
      slots.set(desired.name, next);
    },
    joinAhead(service) {
      const joined = new Set<Standby>();
      ahead.set(service, joined);
      for (const pending of slots.values()) {
        void pending.then((s) => {
          // Still made for this service, and its reload not over yet.
          if (s?.service !== service || ahead.get(service) !== joined || s.joined) return;
          s.joined = docker.connectNetwork(s.id, s.network, s.aliases).then(
            () => true,
            () => false,
          );
          joined.add(s);
        });
      }
    },
    async leaveAhead(service) {
      const joined = ahead.get(service);
      ahead.delete(service);
      await Promise.all(
        [...(joined ?? [])].map(async (s) => {
          const ok = await s.joined;
          s.joined = undefined;
          if (ok) await docker.disconnectNetwork(s.id, s.network).catch(() => undefined);
        }),
      );
    },
    keepOnly(service, keep) {
      for (const [slot, pending] of slots) {
        if (keep.includes(slot)) continue;
        void pending.then((s) => {
          if (s?.service === service && slots.get(slot) === pending) {
            slots.delete(slot);
            removeLater(pending);
          }
        });
      }
    },
    async ready() {
      await Promise.all([...slots.values()].map((p) => p.catch(() => undefined)));
    },
    prune,
    promoted,
    async dispose() {
      const all = [...slots.values()];
      slots.clear();
      const made = await Promise.all(all.map((p) => p.catch(() => undefined)));
      await Promise.all(made.map((s) => s && removeStandby(s).catch(() => undefined)));
    },
  };
}

