// What the engine tells about a long operation, as events (like Compose v2's progress writer):
// the engine never draws anything itself. A reporter in cli/ui/ turns the events into a
// listr2 task tree on a terminal, or into plain lines in CI logs and with --json.

/** One step of an operation. Steps nest: a parent declares its sub-steps when it starts. */
export interface StepInfo {
  id: string;
  title: string;
  /** The sub-steps, declared up front so a renderer can lay them out; each reports its own start and end. */
  children?: StepInfo[];
  /** Whether the sub-steps run at the same time (else one after the other, in order). */
  concurrent?: boolean;
}

export type ProgressEvent =
  | { type: 'step-started'; step: StepInfo }
  /** A line of Portico's own progress for the step (a pull, `npm run build`): worth showing in CI logs too. */
  | { type: 'step-updated'; id: string; text: string }
  /** Docker's build stream, step by step: live feedback on a terminal, too much for a CI log. */
  | { type: 'build-log'; id: string; line: string }
  | { type: 'step-done'; id: string; title: string }
  | { type: 'step-failed'; id: string; message: string }
  /** Something the user should know once the operation is over (a missing secret, orphans left running). */
  | { type: 'warning'; message: string }
  /** A line to show now (e.g. what an interrupted run is cleaning up). */
  | { type: 'info'; message: string };

export type Report = (event: ProgressEvent) => void;

/** For callers that show nothing. */
export const ignoreProgress: Report = () => undefined;
