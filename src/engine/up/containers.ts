// Step 5 of `up`: reconcile containers with the plan. Surplus containers are removed, every
// missing or changed container is created first (independent, concurrent), then they are
// started wave by wave (registry, services in dependsOn order, gateway): starting is what
// the order is about, and creating early shortens the path.
import { projectFilter } from '../../compile/labels.js';
import { startWaves, type ContainerPlan } from '../../compile/plan.js';
import { PorticoError } from '../../core/errors.js';
import { isConflict } from '../docker/errors.js';
import type { StepInfo } from '../progress.js';
import { diffContainers, type Action } from '../reconcile.js';
import { removeContainer } from '../remove.js';
import { step, track, type UpRun } from './run.js';
import { waitHealthy } from './wait.js';
import { withEffectiveConfigHashes } from '../standby/effective-hash.js';

type Creatable = Extract<Action, { type: 'create' | 'recreate' }>;
/** Per container created by this run: its new id and the word for its title. */
type Created = Map<string, { id: string; word: 'created' | 'recreated' }>;

export async function reconcileContainers(run: UpRun): Promise<void> {
  const { docker, state, manifest } = run;
  const plan = state.plan!;
  // Idle standbys of a `portico dev` session are extra containers of their service here (removed);
  // those that became the service carry their real config hash in a marker.
  const existing = await withEffectiveConfigHashes(docker, await docker.listContainers(projectFilter(manifest.name)));
  const managed = new Set(['registry', 'gateway', ...run.selected]);
  const known = new Set(['registry', 'gateway', ...Object.keys(manifest.services)]);
  const diff = (state.diff = diffContainers(plan.containers, existing, managed, known));
  const toCreate = diff.containers.filter((a): a is Creatable => a.type === 'create' || a.type === 'recreate');
  const layout = startLayout(startWaves(plan));
  const removals = diff.removals.flatMap((r) => (r.type === 'remove' ? [r.existing] : []));
  const removeInfo = removals.length > 0 ? { id: 'remove', title: `Remove ${removals.map((r) => r.name).join(', ')}` } : undefined;
  const createInfo = toCreate.length > 0 ? { id: 'create', title: `Create ${toCreate.length} container${toCreate.length === 1 ? '' : 's'}` } : undefined;
  const children = [removeInfo, createInfo, layout.registry.info, layout.rest].filter((c): c is StepInfo => c !== undefined);

  await step(run, { id: 'containers', title: 'Containers', children }, async () => {
    if (removeInfo) await step(run, removeInfo, () => Promise.all(removals.map((r) => track(run, removeContainer(docker, r.id)))));
    const created: Created = new Map();
    if (createInfo) await step(run, createInfo, () => Promise.all(toCreate.map((a) => createFor(run, a, created))));
    const actions = new Map(diff.containers.flatMap((a) => (a.type === 'remove' ? [] : [[a.desired.name, a] as const])));
    const start = (wave: Wave, onIssued?: () => void) => startWave(run, wave, actions, created, onIssued);
    await start(layout.registry);
    await startServicesAndGateway(run, layout, start);
  });
}

interface Wave {
  info: StepInfo;
  containers: ContainerPlan[];
}

/** The waves as reported steps: registry; then services (one wave after another) alongside the gateway. */
function startLayout(waves: ContainerPlan[][]) {
  const wave = (containers: ContainerPlan[], i: number): Wave => ({
    info: { id: `start:${i}`, title: `Start ${[...new Set(containers.map((c) => c.service))].join(', ')}` },
    containers,
  });
  const all = waves.map(wave);
  const registry = all[0]!;
  const gateway = all.at(-1)!;
  const services = all.slice(1, -1);
  const servicesInfo: StepInfo = { id: 'start:services', title: 'services', children: services.map((w) => w.info) };
  const gatewayInfo: StepInfo = { id: 'start:gateway', title: 'gateway', children: [gateway.info] };
  const rest: StepInfo = { id: 'start:rest', title: 'Start services and gateway', children: [servicesInfo, gatewayInfo], concurrent: true };
  return { registry, services, gateway, servicesInfo, gatewayInfo, rest };
}

/**
 * The gateway starts as soon as the first services' starts are issued: it routes only to
 * instances the registry reports passing, so waiting for their start buys nothing and would
 * put the gateway's own start on the critical path of `up`.
 */
async function startServicesAndGateway(run: UpRun, layout: ReturnType<typeof startLayout>, start: (w: Wave, onIssued?: () => void) => Promise<void>) {
  let issued!: () => void;
  const servicesIssued = new Promise<void>((resolve) => (issued = resolve));
  if (layout.services.length === 0) issued();
  await step(run, layout.rest, () =>
    Promise.all([
      step(run, layout.servicesInfo, async () => {
        for (const [i, w] of layout.services.entries()) await start(w, i === 0 ? issued : undefined);
      }),
      step(run, layout.gatewayInfo, async () => {
        await servicesIssued;
        await start(layout.gateway);
      }),
    ]),
  );
}

/** One wave: wait for what it depends on (with --wait), then start its containers together. */
async function startWave(run: UpRun, wave: Wave, actions: Map<string, Action>, created: Created, onIssued?: () => void): Promise<void> {
  await step(run, wave.info, async (s) => {
    const deps = new Set(wave.containers.flatMap((c) => c.dependsOn));
    if (run.req.wait && deps.size > 0) {
      s.update(`waiting for ${[...deps].join(', ')} to be healthy`);
      await waitHealthy(run, run.state.plan!.containers.filter((c) => deps.has(c.service)));
    }
    const started = wave.containers.map((c) => startOne(run, actions.get(c.name)!, created));
    onIssued?.();
    const words = await Promise.all(started);
    s.title = wave.containers.map((c, i) => `${c.name}: ${words[i]}`).join(', ');
  });
}

/** Starts one container per its action; returns the word for its title. */
async function startOne(run: UpRun, action: Action, created: Created): Promise<string> {
  run.signal.throwIfAborted();
  if (action.type === 'keep' || action.type === 'remove') return 'unchanged';
  const made = created.get(action.desired.name);
  const id = action.type === 'start' ? action.existing.id : made!.id;
  await track(run, run.docker.startContainer(id));
  return made?.word ?? 'started';
}

/** Removes the old container of a recreate and creates the new one (not started). */
async function createFor(run: UpRun, action: Creatable, created: Created): Promise<void> {
  const { docker, signal, state } = run;
  signal.throwIfAborted();
  if (action.type === 'recreate') await track(run, removeContainer(docker, action.existing.id));
  signal.throwIfAborted();
  const d = action.desired;
  try {
    // Recorded as soon as Docker answers (not after our await): an interrupt's cleanup waits
    // for the calls in flight and must then see every container they created.
    const creating = docker.createContainer({ ...d, network: state.plan!.network.name, init: true }).then((cid) => (state.created.push(cid), cid));
    const id = await track(run, creating);
    created.set(d.name, { id, word: action.type === 'recreate' ? 'recreated' : 'created' });
  } catch (error) {
    if (!isConflict(error)) throw error;
    throw new PorticoError(`a container named ${d.name} already exists and is not managed by Portico for project ${run.manifest.name}.`, {
      hint: `Remove or rename it (\`docker rm -f ${d.name}\` if it is yours), or rename the project in portico.yaml.`,
    });
  }
}
