// `portico up` / `portico gateway up`: generated files -> runtime image -> images (built
// concurrently) -> network and volumes -> reconcile containers wave by wave (registry,
// services in dependsOn order, gateway) -> wait for health. Every step is a listr2 task.
// Ctrl-C (ctx.signal) stops it and removes the containers this run created.
import path from 'node:path';
import { PorticoError, ReportedError, ExitCode } from '../core/errors.js';
import type { CommandContext } from '../cli/context.js';
import { rendererFor, taskList, type ListrTask } from '../cli/ui/tasks.js';
import { paint } from '../cli/ui/paint.js';
import { compileDiscovery } from '../compile/discovery.js';
import { writeGeneratedFiles } from '../compile/write-artifacts.js';
import { imageKey, planImages, planStack, selectServices, startWaves, type ContainerPlan, type StackPlan } from '../compile/plan.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { DockerClient } from './docker/client.js';
import { ensureImage, type BuiltImage } from './images/build.js';
import { resolveRuntimeImage, type ImageReporter, type RuntimeImage } from './images/runtime-image.js';
import { projectFilter } from './labels.js';
import { diffContainers, summarize, type Action, type Diff } from './reconcile.js';
import { diagnose, waitReady, type WaitFailure } from './health.js';
import { adminToken, configDirOf, gatewaySecrets, registryToken, stateDirOf } from './workspace.js';
import { collectStatus, type StackStatus } from './status.js';

/** Seconds `down`, recreate and removal give a container to stop before it is killed. */
export const STOP_TIMEOUT_S = 3;

export interface UpRequest {
  docker: DockerClient;
  loaded: LoadedManifest;
  /** `up <service...>` */
  only?: string[];
  /** 'gateway': only the registry and the gateway (`portico gateway up`). */
  scope: 'stack' | 'gateway';
  wait: boolean;
  timeoutMs: number;
  build: boolean;
  version: string;
  ctx: Pick<CommandContext, 'ci' | 'stdout' | 'stderr' | 'color' | 'env' | 'signal'>;
  json: boolean;
  /** Test hook: how images are produced (default: ensureImage, which builds and pulls). */
  ensureImage?: typeof ensureImage;
}

export interface UpResult {
  status: StackStatus;
  actions: ReturnType<typeof summarize>;
  /** bundled: the service's `npm run build` ran in this run. */
  images: { key: string; ref: string; outcome: BuiltImage['outcome']; bundled: boolean }[];
  runtimeImage: { ref: string; source: RuntimeImage['source'] };
  orphans: string[];
  warnings: string[];
}

interface RunState {
  runtime?: RuntimeImage;
  images: Record<string, BuiltImage>;
  plan?: StackPlan;
  diff?: Diff;
  /** Container ids created by this run (removed again on Ctrl-C). */
  created: string[];
  /** Docker calls in flight, awaited before cleaning up so nothing is created behind our back. */
  inflight: Set<Promise<unknown>>;
  warnings: string[];
  /** Set by a failed health wait: what to show. */
  failure?: WaitFailure;
}

export async function upStack(req: UpRequest): Promise<UpResult> {
  const { docker, loaded, ctx } = req;
  const manifest = loaded.manifest;
  const project = manifest.name;
  const out = (req.json ? ctx.stderr : ctx.stdout) as NodeJS.WritableStream;
  // Docker's step-by-step build output is live feedback on a terminal; in CI logs it would be
  // dozens of lines per image, so plain output shows only Portico's own progress lines.
  const liveBuildLog = rendererFor(ctx, req.json) === 'default';
  const p = paint(ctx.color);
  const say = (line: string) => out.write(`${line}\n`);
  const signal = ctx.signal;
  const state: RunState = { images: {}, created: [], inflight: new Set(), warnings: [] };
  /** Image progress shown as a task's output line; warnings collected for the summary. */
  const reporterFor = (task: { output?: string }): ImageReporter => {
    const show = (line: string) => {
      task.output = line;
    };
    return { info: (m) => state.warnings.push(m), progress: show, buildLog: liveBuildLog ? show : undefined };
  };
  const track = <T>(promise: Promise<T>): Promise<T> => {
    state.inflight.add(promise);
    void promise.finally(() => state.inflight.delete(promise)).catch(() => undefined);
    return promise;
  };
  const planned = req.scope === 'gateway' ? { ...manifest, services: {} } : manifest;
  const selected = new Set(req.scope === 'gateway' ? [] : selectServices(manifest, req.only));
  const imageSpecs = planImages(planned, req.only);

  const tasks: ListrTask<RunState>[] = [
    {
      title: 'Write .portico/gateway.json and discovery.json',
      task: async (_c, task) => {
        const { written } = await writeGeneratedFiles(loaded);
        task.title = written.length > 0 ? `Wrote ${written.join(', ')}` : 'Generated files up to date';
      },
    },
    {
      title: 'Runtime image',
      task: async (_c, task) => {
        state.runtime = await resolveRuntimeImage(docker, manifest.runtime.nodeImage, {
          signal,
          version: req.version,
          report: reporterFor(task),
        });
        task.title = `Runtime image ${state.runtime.ref}${state.runtime.source === 'host-built' ? ' (built from the host node)' : ''}`;
      },
    },
    {
      title: 'Images',
      task: (_c, task) =>
        task.newListr(
          imageSpecs.map((spec) => ({
            title: imageKey(spec),
            task: async (_c2, sub) => {
              const built = await (req.ensureImage ?? ensureImage)(spec, {
                docker,
                project,
                version: req.version,
                workspaceDir: loaded.dir,
                stateDir: stateDirOf(loaded.dir),
                runtime: state.runtime!,
                force: req.build,
                signal,
                report: reporterFor(sub),
              });
              state.images[imageKey(spec)] = built;
              sub.title = `${imageKey(spec)}: ${built.ref} (${built.outcome === 'cached' ? 'up to date' : built.outcome})`;
            },
          })),
          { concurrent: true, exitOnError: true },
        ),
    },
    {
      title: 'Network and volumes',
      task: async (_c, task) => {
        const secrets = await gatewaySecrets(manifest, loaded.dir, ctx.env);
        for (const name of secrets.missing) {
          state.warnings.push(`${name} is not set in the environment or .env: the gateway will reject requests that need it.`);
        }
        state.plan = planStack(planned, compileDiscovery(manifest), {
          version: req.version,
          configDir: configDirOf(loaded.dir),
          images: Object.fromEntries(Object.entries(state.images).map(([k, v]) => [k, v.ref])),
          registryToken: await registryToken(loaded.dir),
          adminToken: await adminToken(loaded.dir),
          gatewayEnv: secrets.values,
          only: req.only,
        });
        await ensureNetwork(docker, state.plan);
        await ensureVolumes(docker, state.plan);
        task.title = `Network ${state.plan.network.name}`;
      },
    },
    {
      title: 'Containers',
      task: async (_c, task) => {
        const plan = state.plan!;
        const existing = await docker.listContainers(projectFilter(project));
        const managed = new Set(['registry', 'gateway', ...selected]);
        const known = new Set(['registry', 'gateway', ...Object.keys(manifest.services)]);
        state.diff = diffContainers(plan.containers, existing, managed, known);
        const actions = new Map(state.diff.containers.map((a) => [(a as { desired: ContainerPlan }).desired.name, a]));
        const waves = startWaves(plan);
        const subtasks: ListrTask<RunState>[] = [];
        if (state.diff.removals.length > 0) {
          subtasks.push({
            title: `Remove ${state.diff.removals.map((r) => r.type === 'remove' && r.existing.name).join(', ')}`,
            task: () => Promise.all(state.diff!.removals.map((r) => r.type === 'remove' && track(removeContainer(docker, r.existing.id)))),
          });
        }
        // Create every container first (independent, concurrent), then start them wave by
        // wave: starting is what the order is about, and creating early shortens the path.
        const toCreate = state.diff.containers.filter((a) => a.type === 'create' || a.type === 'recreate');
        const ids = new Map<string, string>();
        const outcome = new Map<string, string>();
        if (toCreate.length > 0) {
          subtasks.push({
            title: `Create ${toCreate.length} container${toCreate.length === 1 ? '' : 's'}`,
            task: () =>
              Promise.all(
                toCreate.map(async (a) => {
                  const d = (a as { desired: ContainerPlan }).desired;
                  ids.set(d.name, await createFor(a));
                  outcome.set(d.name, a.type === 'recreate' ? 'recreated' : 'created');
                }),
              ),
          });
        }
        /** Starts one container per its action; returns the word for its title. */
        const startOne = async (c: ContainerPlan): Promise<string> => {
          const action = actions.get(c.name)!;
          signal.throwIfAborted();
          if (action.type === 'keep') return 'unchanged';
          const id = action.type === 'start' ? action.existing.id : ids.get(c.name)!;
          await track(docker.startContainer(id));
          return outcome.get(c.name) ?? 'started';
        };
        const startWave = (wave: ContainerPlan[], onIssued?: () => void): ListrTask<RunState> => ({
          title: `Start ${[...new Set(wave.map((c) => c.service))].join(', ')}`,
          task: async (_c2, waveTask) => {
            // Dependents start only once what they depend on is healthy.
            const deps = new Set(wave.flatMap((c) => c.dependsOn));
            if (req.wait && deps.size > 0) {
              waveTask.output = `waiting for ${[...deps].join(', ')} to be healthy`;
              await waitFor(plan.containers.filter((c) => deps.has(c.service)));
            }
            const started = wave.map(startOne);
            onIssued?.();
            const words = await Promise.all(started);
            waveTask.title = wave.map((c, i) => `${c.name}: ${words[i]}`).join(', ');
          },
        });
        const [registryWave, ...rest] = waves;
        const gatewayWave = rest.pop()!;
        subtasks.push(startWave(registryWave!));
        // The gateway starts as soon as the first services' starts are issued: it routes only
        // to instances the registry reports passing, so waiting for their start buys nothing
        // and would put the gateway's own start on the critical path of `up`.
        let issued!: () => void;
        const servicesIssued = new Promise<void>((resolve) => (issued = resolve));
        if (rest.length === 0) issued();
        subtasks.push({
          title: 'Start services and gateway',
          task: (_c2, t) =>
            t.newListr(
              [
                { title: 'services', task: (_c3, st) => st.newListr(rest.map((w, i) => startWave(w, i === 0 ? issued : undefined)), { concurrent: false }) },
                { title: 'gateway', task: async (_c3, gt) => ((await servicesIssued), gt.newListr([startWave(gatewayWave)])) },
              ],
              { concurrent: true },
            ),
        });
        return task.newListr(subtasks, { concurrent: false });
      },
    },
    {
      title: 'Wait until healthy',
      enabled: () => req.wait,
      task: async (_c, task) => {
        await waitFor(state.plan!.containers, (name) => (task.output = `${name} healthy`));
        task.title = `All ${state.plan!.containers.length} containers healthy`;
      },
    },
  ];

  async function waitFor(containers: ContainerPlan[], onReady?: (name: string) => void) {
    const ids = await Promise.all(containers.map(async (c) => ({ id: (await docker.inspectContainer(c.name))?.id ?? c.name, name: c.name })));
    const failure = await waitReady(docker, ids, { timeoutMs: req.timeoutMs, signal, onReady });
    if (failure) {
      state.failure = failure;
      throw new PorticoError(`${failure.name}: ${failure.reason}`);
    }
  }

  /** Removes the old container of a recreate and creates the new one (not started). */
  async function createFor(action: Action): Promise<string> {
    signal.throwIfAborted();
    if (action.type === 'recreate') await track(removeContainer(docker, action.existing.id));
    signal.throwIfAborted();
    const d = (action as { desired: ContainerPlan }).desired;
    return track(
      docker
        .createContainer({ ...d, network: state.plan!.network.name, init: true })
        .then((cid) => (state.created.push(cid), cid))
        .catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode === 409) {
            throw new PorticoError(`a container named ${d.name} already exists and is not managed by Portico for project ${project}.`, {
              hint: `Remove or rename it (\`docker rm -f ${d.name}\` if it is yours), or rename the project in portico.yaml.`,
            });
          }
          throw error;
        }),
    );
  }

  try {
    await taskList<RunState>(ctx, tasks, { toStderr: req.json }).run(state);
  } catch (error) {
    if (signal.aborted) {
      await cleanupAfterInterrupt(docker, state, say);
      throw signal.reason;
    }
    if (state.failure) {
      const diagnosis = await showFailure(docker, project, state.failure, say, p);
      throw new UpFailure(`${state.failure.name}: ${state.failure.reason}`, {
        container: state.failure.name,
        reason: state.failure.reason,
        ...diagnosis,
        status: await collectStatus(docker, project),
      });
    }
    throw error;
  }

  for (const w of state.warnings) say(`${p.yellow('note')} ${w}`);
  if (state.diff && state.diff.orphans.length > 0) {
    say(`${p.yellow('note')} containers of services no longer in ${path.basename(loaded.file)} were left running: ${state.diff.orphans.map((o) => o.name).join(', ')} (\`portico down --remove-orphans\` removes them)`);
  }
  const status = await collectStatus(docker, project);
  return {
    status,
    actions: summarize(state.diff!),
    images: Object.entries(state.images).map(([key, v]) => ({ key, ref: v.ref, outcome: v.outcome, bundled: v.bundled ?? false })),
    runtimeImage: { ref: state.runtime!.ref, source: state.runtime!.source },
    orphans: state.diff!.orphans.map((o) => o.name),
    warnings: state.warnings,
  };
}

/** Stop briefly, then remove (force: a container stuck in stop is killed). */
export async function removeContainer(docker: DockerClient, id: string): Promise<void> {
  await docker.stopContainer(id, STOP_TIMEOUT_S);
  await docker.removeContainer(id, { force: true });
}

async function ensureNetwork(docker: DockerClient, plan: StackPlan): Promise<void> {
  const ours = await docker.listNetworks(projectFilter(plan.project));
  if (ours.some((n) => n.name === plan.network.name)) return;
  try {
    await docker.createNetwork(plan.network.name, plan.network.labels);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 409) {
      throw new PorticoError(`a Docker network named ${plan.network.name} already exists and is not labelled for project ${plan.project}.`, {
        hint: `Remove it (\`docker network rm ${plan.network.name}\`) if nothing else uses it, or rename the project in portico.yaml.`,
      });
    }
    throw error;
  }
}

async function ensureVolumes(docker: DockerClient, plan: StackPlan): Promise<void> {
  if (plan.volumes.length === 0) return;
  const existing = new Set((await docker.listVolumes(projectFilter(plan.project))).map((v) => v.name));
  for (const v of plan.volumes) if (!existing.has(v.name)) await docker.createVolume(v.name, v.labels);
}

/** Ctrl-C: wait for Docker calls in flight, then remove every container this run created. */
async function cleanupAfterInterrupt(docker: DockerClient, state: RunState, say: (l: string) => void): Promise<void> {
  await Promise.allSettled([...state.inflight]);
  if (state.created.length === 0) return;
  say(`interrupted: removing ${state.created.length} container(s) this run created`);
  await Promise.allSettled(state.created.map((id) => docker.removeContainer(id, { force: true })));
}

/** `up` failed on a container's health; already printed, with details for --json. */
export class UpFailure extends ReportedError {
  constructor(
    message: string,
    readonly details: { container: string; reason: string; healthOutput?: string; logs: string[]; status: StackStatus },
  ) {
    super(ExitCode.FAILED, message);
  }
}

async function showFailure(docker: DockerClient, project: string, failure: WaitFailure, say: (l: string) => void, p: ReturnType<typeof paint>) {
  const { healthOutput, logs } = await diagnose(docker, failure.id, 30);
  say(`${p.red('error')} ${failure.name} is not healthy: ${failure.reason}`);
  if (healthOutput) say(`${p.bold('last health check')} ${healthOutput}`);
  say(p.bold(`last ${logs.length} log lines of ${failure.name}:`));
  for (const line of logs) say(`  ${line}`);
  say(`${p.dim('hint')}  fix the service and run \`portico up\` again; \`portico logs ${failure.name.slice(project.length + 1).replace(/-\d+$/, '')}\` shows more; \`portico down\` removes the stack.`);
  return { healthOutput, logs };
}

