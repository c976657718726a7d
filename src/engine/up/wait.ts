// Health waits of `up`. `--timeout` bounds the whole run's waiting, not each wait: the first
// wait fixes one deadline (now + timeout) and every later wait (the next dependency wave, the
// final "all healthy") runs against that same deadline. Build time does not count: a cold
// build can take minutes and is not what the option is about.
import { PorticoError } from '../../core/errors.js';
import type { ContainerPlan } from '../../compile/plan.js';
import { realClock, waitReady } from '../health.js';
import { step, type UpRun } from './run.js';

/** Waits until `containers` are ready; a failure is recorded in the run state and thrown. */
export async function waitHealthy(run: UpRun, containers: ContainerPlan[], onReady?: (name: string) => void): Promise<void> {
  const { docker, req, state } = run;
  const clock = req.clock ?? realClock;
  state.deadline ??= clock.now() + req.timeoutMs;
  const ids = await Promise.all(containers.map(async (c) => ({ id: (await docker.inspectContainer(c.name))?.id ?? c.name, name: c.name })));
  const failure = await waitReady(docker, ids, { timeoutMs: req.timeoutMs, deadline: state.deadline, signal: run.signal, clock, onReady });
  if (failure) {
    state.failure = failure;
    throw new PorticoError(`${failure.name}: ${failure.reason}`);
  }
}

/** The last step: every container of the plan healthy. */
export async function waitAllHealthy(run: UpRun): Promise<void> {
  const containers = run.state.plan!.containers;
  await step(run, { id: 'wait', title: 'Wait until healthy' }, async (s) => {
    await waitHealthy(run, containers, (name) => s.update(`${name} healthy`));
    s.title = `All ${containers.length} containers healthy`;
  });
}
