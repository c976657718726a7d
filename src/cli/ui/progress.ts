// Draws the engine's progress events (engine/progress.ts). On a person's terminal: a listr2
// task tree (listr-progress.ts). Otherwise (CI set, output piped, --json): plain lines, one
// per start, progress line and end, so pipeline logs stay readable; Docker's step-by-step
// build stream is left out of them. Warnings are collected and shown as notes at the end.
import type { ProgressEvent } from '../../engine/progress.js';
import type { CommandContext } from '../context.js';
import { paint } from './paint.js';
import { listrReporter } from './listr-progress.js';
import { printNotes, type ProgressReporter } from './reporter.js';
import { rendererFor } from './tasks.js';

export type { ProgressReporter } from './reporter.js';

type Ctx = Pick<CommandContext, 'ci' | 'stdout' | 'stderr' | 'color'>;

/** The reporter for this command's output: progress goes to stderr with --json (stdout is the one JSON document). */
export function progressReporter(ctx: Ctx, options: { json: boolean }): ProgressReporter {
  const out = options.json ? ctx.stderr : ctx.stdout;
  return rendererFor(ctx, options.json) === 'default' ? listrReporter(ctx, options.json) : plainReporter(out, ctx.color);
}

export function plainReporter(out: NodeJS.WritableStream, color: boolean): ProgressReporter {
  const p = paint(color);
  const say = (line: string) => out.write(`${line}\n`);
  const titles = new Map<string, string>();
  const warnings: string[] = [];
  const report = (e: ProgressEvent) => {
    switch (e.type) {
      case 'step-started':
        titles.set(e.step.id, e.step.title);
        return say(`${p.yellow('❯')} ${e.step.title}`);
      case 'step-updated':
        return say(`${p.dim('›')} ${e.text}`);
      case 'build-log':
        return; // a terminal shows it live; a log would get dozens of lines per image
      case 'step-done':
        return say(`${p.green('✔')} ${e.title}`);
      case 'step-failed':
        return say(`${p.red('✖')} ${titles.get(e.id) ?? e.id}`);
      case 'warning':
        warnings.push(e.message);
        return;
      case 'info':
        return say(e.message);
    }
  };
  return { report, end: async () => printNotes(warnings, say, color) };
}
