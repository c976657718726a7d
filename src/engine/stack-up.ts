// `portico up` / `portico gateway up`, as a list of steps over one run state (engine/up/):
// generated files -> runtime image -> images (built concurrently) -> plan, network and
// volumes -> reconcile containers and start them wave by wave (registry, services in
// dependsOn order, gateway) -> wait until healthy. Each step reports progress as events
// (engine/progress.ts); the CLI draws them. Ctrl-C (req.signal) stops the run and removes
// the containers it created.
import path from 'node:path';
import { ExitCode, PorticoError } from '../core/errors.js';
import { selectServices } from '../compile/plan.js';
import { writeGeneratedFiles } from '../workspace/generated-files.js';
import { diagnose, type WaitFailure } from './health.js';
import type { BuiltImage } from './images/build.js';
import type { RuntimeImage } from './images/runtime-image.js';
import { summarize } from './reconcile.js';
import { collectStatus, type StackStatus } from './status.js';
import { reconcileContainers } from './up/containers.js';
import { buildImages, resolveRuntime } from './up/images.js';
import { createNetwork } from './up/network.js';
import { startRun, step, type UpRequest, type UpRun } from './up/run.js';
import { waitAllHealthy } from './up/wait.js';

export type { UpRequest } from './up/run.js';

export interface UpResult {
  status: StackStatus;
  actions: ReturnType<typeof summarize>;
  /** bundled: the service's `npm run build` ran in this run. */
  images: { key: string; ref: string; outcome: BuiltImage['outcome']; bundled: boolean }[];
  runtimeImage: { ref: string; source: RuntimeImage['source'] };
  orphans: string[];
  warnings: string[];
}

export interface UpFailureDetails {
  container: string;
  reason: string;
  healthOutput?: string;
  /** The failing container's last log lines. */
  logs: string[];
  status: StackStatus;
}

/** `up` failed on a container's health (exit 1). The CLI shows `details`; `--json` prints them. */
export class UpFailure extends PorticoError {
  declare readonly details: UpFailureDetails;
  constructor(message: string, details: UpFailureDetails) {
    super(message, { exitCode: ExitCode.FAILED, details });
    this.name = 'UpFailure';
  }
}

export async function upStack(req: UpRequest): Promise<UpResult> {
  const run = startRun(req, selectServices(req.loaded.manifest, req.only));
  try {
    await writeGenerated(run);
    await resolveRuntime(run);
    await buildImages(run);
    await createNetwork(run);
    await reconcileContainers(run);
    if (req.wait) await waitAllHealthy(run);
  } catch (error) {
    if (run.signal.aborted) {
      await cleanupAfterInterrupt(run);
      throw run.signal.reason;
    }
    if (run.state.failure) throw await upFailure(run, run.state.failure);
    throw error;
  }
  reportOrphans(run);
  return resultOf(run);
}

/** Step 1 (also of restart, scale and dev): .portico/gateway.json and discovery.json. */
export async function writeGenerated(run: UpRun): Promise<void> {
  await step(run, { id: 'generate', title: 'Write .portico/gateway.json and discovery.json' }, async (s) => {
    const { written } = await writeGeneratedFiles(run.req.loaded);
    s.title = written.length > 0 ? `Wrote ${written.join(', ')}` : 'Generated files up to date';
  });
}

/** Ctrl-C: wait for Docker calls in flight, then remove every container this run created. */
async function cleanupAfterInterrupt(run: UpRun): Promise<void> {
  const { state, docker } = run;
  await Promise.allSettled([...state.inflight]);
  if (state.created.length === 0) return;
  run.report({ type: 'info', message: `interrupted: removing ${state.created.length} container(s) this run created` });
  await Promise.allSettled(state.created.map((id) => docker.removeContainer(id, { force: true })));
}

/** What the CLI needs to explain a failed health wait: the container's last health output and log lines. */
async function upFailure(run: UpRun, failure: WaitFailure): Promise<UpFailure> {
  const { healthOutput, logs } = await diagnose(run.docker, failure.id, 30);
  return new UpFailure(`${failure.name}: ${failure.reason}`, {
    container: failure.name,
    reason: failure.reason,
    healthOutput,
    logs,
    status: await collectStatus(run.docker, run.manifest.name),
  });
}

function reportOrphans(run: UpRun): void {
  const orphans = run.state.diff!.orphans;
  if (orphans.length === 0) return;
  run.report({
    type: 'warning',
    message: `containers of services no longer in ${path.basename(run.req.loaded.file)} were left running: ${orphans.map((o) => o.name).join(', ')} (\`portico down --remove-orphans\` removes them)`,
  });
}

async function resultOf(run: UpRun): Promise<UpResult> {
  const { state } = run;
  return {
    status: await collectStatus(run.docker, run.manifest.name),
    actions: summarize(state.diff!),
    images: Object.entries(state.images).map(([key, v]) => ({ key, ref: v.ref, outcome: v.outcome, bundled: v.bundled ?? false })),
    runtimeImage: { ref: state.runtime!.ref, source: state.runtime!.source },
    orphans: state.diff!.orphans.map((o) => o.name),
    warnings: state.warnings,
  };
}
