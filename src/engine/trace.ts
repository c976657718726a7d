// Step timings for finding where a reload's time goes: with PORTICO_TRACE=1 every traced step
// prints `[trace] <label> <ms> ms (at <epoch ms>)` on stderr when it ends (the end time lines
// the steps up with the services' own log times). Off (the default) it costs one
// property read per step. docs/engine.md "## Speed" lists what the dev loop's steps took.
import { performance } from 'node:perf_hooks';

const enabled = () => Boolean(process.env.PORTICO_TRACE);

/** Runs `work`; with tracing on, prints how long it took under `label`. */
export async function traced<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!enabled()) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    process.stderr.write(`[trace] ${label} ${Math.round(performance.now() - start)} ms (at ${Date.now()})\n`);
  }
}

/** With tracing on, prints `label` and a time measured elsewhere. */
export function traceMs(label: string, ms: number): void {
  if (enabled()) process.stderr.write(`[trace] ${label} ${Math.round(ms)} ms (at ${Date.now()})\n`);
}
