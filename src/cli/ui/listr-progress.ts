// The engine's progress events as a live listr2 task tree, for a person at a terminal. listr2
// wants its tasks up front; the events arrive over time. So each step becomes a task that
// waits for its own events: a root step opens a task list of its own (root steps run one
// after another), and a step's sub-steps, declared in its start event, become its subtasks.
import type { ListrTask } from 'listr2';
import type { ProgressEvent, StepInfo } from '../../engine/progress.js';
import type { CommandContext } from '../context.js';
import { printNotes, type ProgressReporter } from './reporter.js';
import { taskList } from './tasks.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // a step that failed before its task ran is not an unhandled rejection
  return { promise, resolve, reject };
}

interface StepNode {
  info: StepInfo;
  started: Deferred<void>;
  /** The final title, or the failure. */
  settled: Deferred<string>;
  output?: string;
  /** The listr task drawing this step, once it runs: updates go straight to it. */
  task?: { title: string; output: string };
}

export function listrReporter(ctx: Pick<CommandContext, 'ci' | 'stdout' | 'stderr' | 'color'>, toStderr: boolean): ProgressReporter {
  const out = toStderr ? ctx.stderr : ctx.stdout;
  const nodes = new Map<string, StepNode>();
  const warnings: string[] = [];
  /** Root task lists, one after another: two live renderers would draw over each other. */
  let drawn: Promise<void> = Promise.resolve();

  const nodeFor = (info: StepInfo): StepNode => {
    let node = nodes.get(info.id);
    if (!node) nodes.set(info.id, (node = { info, started: deferred(), settled: deferred() }));
    return node;
  };

  const taskFor = (node: StepNode): ListrTask<object> => ({
    title: node.info.title,
    task: async (_ctx, task) => {
      node.task = task;
      await node.started.promise;
      task.title = node.info.title;
      if (node.output) task.output = node.output;
      const children = node.info.children ?? [];
      if (children.length === 0) {
        task.title = await node.settled.promise;
        return;
      }
      // The untitled last task is not drawn: it holds the parent open until its own end event
      // brings the final title (the children can finish a moment before it arrives).
      const settle: ListrTask<object> = { task: async () => void (task.title = await node.settled.promise) };
      return task.newListr([...children.map((c) => taskFor(nodeFor(c))), settle], { concurrent: node.info.concurrent ?? false, exitOnError: true });
    },
  });

  const report = (e: ProgressEvent) => {
    switch (e.type) {
      case 'step-started': {
        const isRoot = !nodes.has(e.step.id);
        const node = nodeFor(e.step);
        node.info = e.step;
        for (const child of e.step.children ?? []) nodeFor(child);
        node.started.resolve();
        // Made only when its turn comes: listr's output capture remembers the stream's write
        // function when made, and while the previous list draws that is the previous capture.
        if (isRoot) drawn = drawn.then(() => taskList<object>(ctx, [taskFor(node)], { toStderr }).run({}).then(() => undefined, () => undefined));
        return;
      }
      case 'step-updated':
      case 'build-log': {
        const node = nodes.get(e.id);
        if (!node) return;
        node.output = e.type === 'step-updated' ? e.text : e.line;
        if (node.task) node.task.output = node.output;
        return;
      }
      case 'step-done':
        return nodes.get(e.id)?.settled.resolve(e.title);
      case 'step-failed':
        return nodes.get(e.id)?.settled.reject(new Error(e.message));
      case 'warning':
        warnings.push(e.message);
        return;
      case 'info':
        drawn = drawn.then(() => void out.write(`${e.message}\n`));
        return;
    }
  };

  return {
    report,
    end: async () => {
      await drawn;
      printNotes(warnings, (line) => out.write(`${line}\n`), ctx.color);
    },
  };
}
