// `portico dev` after the stack is up: watch sources and portico.yaml, and reload what changed
// without failing a request. One reload runs at a time; changes that arrive meanwhile are
// merged into the next one. A failed build or a container that does not get healthy leaves
// the running containers serving (engine/rolling.ts) and the next save retries; an invalid
// portico.yaml is reported and changes nothing.
import path from 'node:path';
import { selectServices, servicePath, stableJson } from '../../compile/plan.js';
import type { LoadedManifest } from '../../manifest/load.js';
import type { Manifest } from '../../manifest/schema.js';
import { writeGeneratedFiles } from '../../workspace/generated-files.js';
import type { DockerClient } from '../docker/client.js';
import { realClock, type WaitClock } from '../health.js';
import type { Report } from '../progress.js';
import type { SlotChange } from '../rolling.js';
import { fillStandbys, rollOut } from '../rollout.js';
import { standbyPool } from '../standby/pool.js';
import { traceMs } from '../trace.js';
import { withWorkspaceFiles } from '../workspace-files.js';
import { standbyDirOf } from '../workspace.js';
import { engineIsLocal } from '../docker/engine-host.js';
import { incrementalBundler } from './bundler.js';
import { MANIFEST_KEY, watchTargets } from './targets.js';
import { DEBOUNCE_MS, watchSources, type SourceWatcher } from './watch.js';

export type DevEvent =
  | { type: 'watching'; services: string[]; manifest: string }
  | { type: 'reload-started'; service: string; reason: 'source' | 'manifest' }
  /** `ms`: from the first file event of the burst until the first new container served. */
  | { type: 'reloaded'; service: string; reason: 'source' | 'manifest'; ms: number; totalMs: number; changes: SlotChange[] }
  | { type: 'unchanged'; service: string; reason: 'source' | 'manifest'; ms: number }
  | { type: 'reload-failed'; service: string; error: unknown }
  | { type: 'manifest-invalid'; error: unknown }
  | { type: 'config-reloaded'; files: string[]; ms: number }
  | { type: 'note'; message: string };

export interface DevRequest {
  docker: DockerClient;
  /** The manifest the stack was brought up with (as loaded, without workspace files resolved). */
  loaded: LoadedManifest;
  /** Loads and validates portico.yaml again (throws ManifestError when invalid). */
  loadManifest: () => Promise<LoadedManifest>;
  version: string;
  env: NodeJS.ProcessEnv;
  /** How long a new container may take to serve. */
  timeoutMs: number;
  /** Aborted on Ctrl-C: watching stops, a reload under way is abandoned (its new container removed). */
  signal: AbortSignal;
  onEvent: (event: DevEvent) => void;
  /** Warnings of the rebuilds (progress steps are not shown in dev). */
  report?: Report;
  debounceMs?: number;
  clock?: WaitClock;
}

/** Resolves once `req.signal` is aborted and the watcher is closed. */
export async function runDevSession(req: DevRequest): Promise<void> {
  const clock = req.clock ?? realClock;
  const bundler = incrementalBundler();
  // Warm containers the next reload of each slot takes instead of creating one (standby/spec.ts).
  // PORTICO_DEV_STANDBY=0 turns them off (every reload creates its container, as `restart` does).
  // On a local engine their bundles come through host folders (bind mounts), not archives.
  const standbys =
    req.env.PORTICO_DEV_STANDBY === '0'
      ? undefined
      : await standbyPool(req.docker, req.loaded.manifest.name, engineIsLocal(req.env) ? { filesDir: standbyDirOf(req.loaded.dir) } : {});
  let loaded = req.loaded;
  const queue = new Map<string, number>(); // key -> time of its first file event
  let running: Promise<void> | undefined;
  let watcher: SourceWatcher | undefined;

  const onBurst = (keys: Set<string>) => {
    const now = clock.now();
    for (const k of keys) if (!queue.has(k)) queue.set(k, now);
    running ??= work().finally(() => (running = undefined));
  };
  const work = async () => {
    while (queue.size > 0 && !req.signal.aborted) {
      const batch = new Map(queue);
      queue.clear();
      const manifestAt = batch.get(MANIFEST_KEY);
      batch.delete(MANIFEST_KEY);
      if (manifestAt !== undefined) {
        for (const service of await reloadManifest(manifestAt)) if (!batch.has(service)) batch.set(service, manifestAt);
      }
      for (const [service, since] of batch) {
        if (service in loaded.manifest.services) await reloadService(service, manifestAt === since ? 'manifest' : 'source', since);
      }
    }
  };

  const reloadService = async (service: string, reason: 'source' | 'manifest', since: number) => {
    req.onEvent({ type: 'reload-started', service, reason });
    traceMs(`dev ${service}: first file event to reload start`, clock.now() - since);
    let firstServed: number | undefined;
    // Likely to be taken by this reload: joined to the network while the bundle builds.
    if (reason === 'source') standbys?.joinAhead(service);
    try {
      const result = await rollOut({
        ...(await rolloutBase(loaded, [service])),
        services: [service],
        force: false,
        standbys,
        onChange: (c) => {
          if (c.servingAt !== undefined) firstServed = Math.min(firstServed ?? c.servingAt, c.servingAt);
        },
      });
      const now = clock.now();
      if (result.changes.length === 0) req.onEvent({ type: 'unchanged', service, reason, ms: now - since });
      else req.onEvent({ type: 'reloaded', service, reason, ms: (firstServed ?? now) - since, totalMs: now - since, changes: result.changes });
    } catch (error) {
      if (!req.signal.aborted) req.onEvent({ type: 'reload-failed', service, error });
    } finally {
      await standbys?.leaveAhead(service);
      // The folders of the containers this reload replaced (in the background: off the next reload's path).
      void standbys?.prune().catch(() => undefined);
    }
  };

  /** The services to reload after a manifest edit (none when it is invalid). */
  const reloadManifest = async (since: number): Promise<string[]> => {
    let next: LoadedManifest;
    try {
      next = await req.loadManifest();
    } catch (error) {
      req.onEvent({ type: 'manifest-invalid', error });
      return [];
    }
    const { changed, removed } = changedServices(loaded.manifest, next.manifest);
    for (const note of gatewayNotes(loaded.manifest, next.manifest)) req.onEvent({ type: 'note', message: note });
    if (removed.length > 0) req.onEvent({ type: 'note', message: `removed from portico.yaml, left running: ${removed.join(', ')} (\`portico down --remove-orphans\` removes them)` });
    loaded = next;
    // Routes, auth and limits: the gateway hot-reloads gateway.json; the registry discovery.json.
    const { written } = await writeGeneratedFiles(next);
    if (written.length > 0 || changed.length === 0) req.onEvent({ type: 'config-reloaded', files: written, ms: clock.now() - since });
    await rewatch();
    return changed;
  };

  /** What every rollout of this session shares: the dev fast path (incremental bundle, dist/ overlay). */
  const rolloutBase = async (current: LoadedManifest, services: string[]) => ({
    docker: req.docker,
    loaded: await withWorkspaceFiles(current, selectServices(current.manifest, services)),
    timeoutMs: req.timeoutMs,
    build: false,
    version: req.version,
    env: req.env,
    signal: req.signal,
    report: req.report,
    clock: req.clock,
    bundle: bundler.bundle,
    overlay: true,
  });

  const rewatch = async () => {
    await watcher?.close();
    watcher = await watchSources(await watchTargets(loaded), onBurst, req.debounceMs ?? DEBOUNCE_MS);
  };

  await rewatch();
  await bundler.warm(templateDirs(loaded));
  const warmed = templateServices(loaded);
  if (standbys) {
    await fillStandbys({ ...(await rolloutBase(loaded, warmed)), services: warmed, standbys }).catch((error) =>
      req.onEvent({ type: 'note', message: `no warm standby containers: ${(error as Error).message}` }),
    );
    // `watching` means a save is reloaded at full speed: not while the first standbys are
    // still being created (their create and start would compete with the reload, ~1 s).
    await standbys.ready();
  }
  const watched = (await watchTargets(loaded)).filter((t) => t.key !== MANIFEST_KEY).map((t) => t.key);
  req.onEvent({ type: 'watching', services: watched, manifest: loaded.file });
  await new Promise<void>((resolve) => {
    if (req.signal.aborted) return resolve();
    req.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await watcher?.close();
  await running?.catch(() => undefined);
  await Promise.all([bundler.dispose(), standbys?.dispose()]);
}

/** Pure: the template services (those `dev` rebundles with esbuild and keeps standbys of). */
export function templateServices(loaded: Pick<LoadedManifest, 'manifest'>): string[] {
  return Object.entries(loaded.manifest.services)
    .filter(([, spec]) => !spec.image && !spec.build && spec.replicas !== 0)
    .map(([name]) => name);
}

/** Pure: the folders of the template services. */
export function templateDirs(loaded: Pick<LoadedManifest, 'dir' | 'manifest'>): string[] {
  return templateServices(loaded).map((name) => path.resolve(loaded.dir, servicePath(name, loaded.manifest.services[name]!)));
}

/** Pure: services added or whose entry changed, and services no longer in the manifest. */
export function changedServices(before: Manifest, after: Manifest): { changed: string[]; removed: string[] } {
  const changed = Object.keys(after.services).filter((name) => {
    const old = before.services[name];
    return old === undefined || stableJson(old) !== stableJson(after.services[name]);
  });
  const removed = Object.keys(before.services).filter((name) => !(name in after.services));
  return { changed, removed };
}

/** Pure: what a manifest edit changes that only `portico up` applies (the gateway's own container). */
export function gatewayNotes(before: Manifest, after: Manifest): string[] {
  const notes: string[] = [];
  if (before.gateway.port !== after.gateway.port || before.gateway.bind !== after.gateway.bind) {
    notes.push('the gateway address changed: run `portico up` to apply it (routes, auth and limits reload without it)');
  }
  const secrets = (m: Manifest) => stableJson([m.gateway.auth.apiKeys.map((k) => k.env), m.gateway.auth.jwt?.secretEnv ?? null]);
  if (secrets(before) !== secrets(after)) notes.push('the gateway reads secrets from other env vars now: run `portico up` to give them to it');
  // Node reads NODE_EXTRA_CA_CERTS once, at start: only a new gateway container trusts other CAs.
  if (stableJson(before.gateway.tls ?? null) !== stableJson(after.gateway.tls ?? null)) notes.push('gateway.tls changed: run `portico up` to restart the gateway with its CA files');
  return notes;
}
