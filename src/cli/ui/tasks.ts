// Task lists (listr2): the animated default renderer on an interactive terminal; plain
// line-per-event output ('simple') when the output is not a TTY or CI is set, so logs of
// pipelines stay readable. With --json, progress goes to stderr and stdout stays clean.
import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import type { CommandContext } from '../context.js';

export type { ListrTask, ListrTaskWrapper } from 'listr2';

export interface TaskListOptions {
  /** Progress to stderr (set with --json). */
  toStderr?: boolean;
  concurrent?: boolean | number;
}

/** Which renderer: 'default' only for a human at a terminal. */
export function rendererFor(ctx: Pick<CommandContext, 'ci' | 'stdout' | 'stderr'>, toStderr: boolean): 'default' | 'simple' {
  const stream = (toStderr ? ctx.stderr : ctx.stdout) as NodeJS.WriteStream;
  return !ctx.ci && Boolean(stream.isTTY) ? 'default' : 'simple';
}

export function taskList<T extends object>(ctx: Pick<CommandContext, 'ci' | 'stdout' | 'stderr' | 'color'>, tasks: ListrTask<T>[], options: TaskListOptions = {}) {
  const toStderr = options.toStderr ?? false;
  const out = (toStderr ? ctx.stderr : ctx.stdout) as NodeJS.WriteStream;
  const processOutput = new ProcessOutput(out, out, { leaveEmptyLine: false });
  return new Listr<T, 'default' | 'simple', 'simple'>(tasks, {
    concurrent: options.concurrent ?? false,
    exitOnError: true,
    // main.ts owns SIGINT: it aborts ctx.signal so `up` can remove what it created.
    registerSignalListeners: false,
    renderer: rendererFor(ctx, toStderr),
    fallbackRenderer: 'simple',
    // Both listr streams go to the chosen one: stdout must stay one JSON document with --json.
    rendererOptions: { collapseSubtasks: false, showErrorMessage: false, logger: new ListrLogger({ processOutput }) },
    fallbackRendererOptions: { logger: new ListrLogger({ processOutput }) },
  });
}
