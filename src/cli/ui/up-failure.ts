// How a failed `up` explains itself: the container that did not become healthy, its last
// health-check output and its last log lines, and what to do next. The engine gathers the
// facts (UpFailure.details); drawing them is the CLI's.
import type { UpFailure } from '../../engine/stack-up.js';
import { paint } from './paint.js';

export function printUpFailure(out: NodeJS.WritableStream, failure: UpFailure, color: boolean): void {
  const p = paint(color);
  const say = (line: string) => out.write(`${line}\n`);
  const { container, reason, healthOutput, logs, status } = failure.details;
  const service = container.slice(status.project.length + 1).replace(/-\d+$/, '');
  say(`${p.red('error')} ${container} is not healthy: ${reason}`);
  if (healthOutput) say(`${p.bold('last health check')} ${healthOutput}`);
  say(p.bold(`last ${logs.length} log lines of ${container}:`));
  for (const line of logs) say(`  ${line}`);
  say(`${p.dim('hint')}  fix the service and run \`portico up\` again; \`portico logs ${service}\` shows more; \`portico down\` removes the stack.`);
}
