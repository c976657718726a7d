// The shared state of one `up` run and the two helpers every step uses: `step` (report a
// step's start, progress and end as events) and `track` (remember a Docker call in flight,
// so an interrupt waits for it before cleaning up).
import type { LoadedManifest } from '../../manifest/load.js';
import type { Manifest } from '../../manifest/schema.js';
import type { StackPlan } from '../../compile/plan.js';
import type { DockerClient } from '../docker/client.js';
import type { BuiltImage, ensureImage, ServiceBundler } from '../images/build.js';
import type { ImageReporter, RuntimeImage } from '../images/runtime-image.js';
import type { Diff } from '../reconcile.js';
import type { WaitClock, WaitFailure } from '../health.js';
import { ignoreProgress, type Report, type StepInfo } from '../progress.js';

export interface UpRequest {
  docker: DockerClient;
  loaded: LoadedManifest;
  /** `up <service...>` */
  only?: string[];
  /** 'gateway': only the registry and the gateway (`portico gateway up`). */
  scope: 'stack' | 'gateway';
  wait: boolean;
  /** Bounds all health waits of the run together (see docs/engine.md, "--timeout"). */
  timeoutMs: number;
  build: boolean;
  version: string;
  /** Environment for the gateway's secrets (host env first, then the workspace's .env). */
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: the run stops and removes the containers it created. */
  signal: AbortSignal;
  /** Where progress goes (default: nowhere). */
  report?: Report;
  /** Test hook: the clock health waits poll with. */
  clock?: WaitClock;
  /** How template services are bundled instead of `npm run build` (`portico dev`). */
  bundle?: ServiceBundler;
  /** `portico dev`: images a template service's reload may put its bundle onto (see BuildContext). */
  overlayBases?: Record<string, string[]>;
  /** Test hook: how images are produced (default: ensureImage, which builds and pulls). */
  ensureImage?: typeof ensureImage;
}

export interface RunState {
  runtime?: RuntimeImage;
  images: Record<string, BuiltImage>;
  plan?: StackPlan;
  diff?: Diff;
  /** Container ids created by this run (removed again on Ctrl-C). */
  created: string[];
  /** Docker calls in flight, awaited before cleaning up so nothing is created behind our back. */
  inflight: Set<Promise<unknown>>;
  warnings: string[];
  /** Set by a failed health wait: what went wrong, for UpFailure. */
  failure?: WaitFailure;
  /** The one deadline of every health wait in this run, fixed when the first wait begins. */
  deadline?: number;
}

export interface UpRun {
  req: UpRequest;
  docker: DockerClient;
  manifest: Manifest;
  /** The manifest as this run plans it: without services for `gateway up`. */
  planned: Manifest;
  /** Services this run manages (the selection and what it depends on). */
  selected: Set<string>;
  signal: AbortSignal;
  report: Report;
  state: RunState;
}

export function startRun(req: UpRequest, selected: string[]): UpRun {
  const manifest = req.loaded.manifest;
  return {
    req,
    docker: req.docker,
    manifest,
    planned: req.scope === 'gateway' ? { ...manifest, services: {} } : manifest,
    selected: new Set(req.scope === 'gateway' ? [] : selected),
    signal: req.signal,
    report: req.report ?? ignoreProgress,
    state: { images: {}, created: [], inflight: new Set(), warnings: [] },
  };
}

/** What a running step may say about itself. */
export interface StepHandle {
  update(text: string): void;
  /** The title shown once the step is done (default: the starting title). */
  title: string;
  /** Image progress of this step: own lines as updates, Docker's build stream as build-log, notes as warnings. */
  imageReporter(): ImageReporter;
}

/** Runs `work` as one reported step: started, then done with its final title, or failed. */
export async function step<T>(run: UpRun, info: StepInfo, work: (s: StepHandle) => Promise<T>): Promise<T> {
  const { report } = run;
  const handle: StepHandle = {
    title: info.title,
    update: (text) => report({ type: 'step-updated', id: info.id, text }),
    imageReporter: () => ({
      info: (message) => warn(run, message),
      progress: (text) => report({ type: 'step-updated', id: info.id, text }),
      buildLog: (line) => report({ type: 'build-log', id: info.id, line }),
    }),
  };
  report({ type: 'step-started', step: info });
  try {
    const result = await work(handle);
    report({ type: 'step-done', id: info.id, title: handle.title });
    return result;
  } catch (error) {
    report({ type: 'step-failed', id: info.id, message: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

/** A note for the user, kept for `--json` (`warnings`) and reported. */
export function warn(run: UpRun, message: string): void {
  run.state.warnings.push(message);
  run.report({ type: 'warning', message });
}

export function track<T>(run: UpRun, promise: Promise<T>): Promise<T> {
  const { inflight } = run.state;
  inflight.add(promise);
  void promise.finally(() => inflight.delete(promise)).catch(() => undefined);
  return promise;
}
