import path from 'node:path';

/**
 * What every command receives besides its own options: where to work and how to talk.
 * Commands never read process.* directly, so tests can run them in-process with captured
 * output and a scripted environment.
 */
export interface CommandContext {
  /** Absolute working directory (from -C/--cwd, else process.cwd()). */
  cwd: string;
  /** Environment variables (process.env in production). */
  env: NodeJS.ProcessEnv;
  /** Human output. With --json, human messages go to stderr and stdout carries one JSON document. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Input, for commands that pass it on (`exec`); process.stdin in production. */
  stdin: NodeJS.ReadableStream;
  /** stdin is a terminal (`exec` then allocates one in the container). */
  stdinIsTTY: boolean;
  /** Colours allowed (TTY, no NO_COLOR, no --no-color). */
  color: boolean;
  /** Prompts allowed: stdin is a TTY, CI is not set, and --yes was not given. */
  interactive: boolean;
  /** CI is set (plain renderers, no prompts). */
  ci: boolean;
  /** Name the user typed (`portico` or `create-service`), for messages. */
  programName: string;
  /** AbortSignal fired on SIGINT, so long operations can stop what they started. */
  signal: AbortSignal;
}

export interface ContextOverrides {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  color?: boolean;
  stdinIsTTY?: boolean;
  programName?: string;
  signal?: AbortSignal;
}

export function isTruthyEnv(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

export function createContext(o: ContextOverrides & { colorFlag?: boolean } = {}): CommandContext {
  const env = o.env ?? process.env;
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const ci = isTruthyEnv(env.CI);
  const stdoutIsTTY = Boolean((stdout as NodeJS.WriteStream).isTTY);
  const color =
    o.color ?? (o.colorFlag !== false && env.NO_COLOR === undefined && (stdoutIsTTY || isTruthyEnv(env.FORCE_COLOR)));
  const stdinIsTTY = o.stdinIsTTY ?? Boolean(process.stdin.isTTY);
  // Libraries that decide on colour themselves when first loaded (listr2 through colorette,
  // which turns colour on for CI=true on GitHub Actions even without a TTY) and child
  // processes (npm, builds) follow this decision. Only for the real process environment:
  // in-process tests pass their own env and must not change the test runner's.
  if (!color && o.env === undefined && env.NO_COLOR === undefined) env.NO_COLOR = '1';
  return {
    cwd: path.resolve(o.cwd ?? process.cwd()),
    env,
    stdout,
    stderr,
    stdin: o.stdin ?? process.stdin,
    stdinIsTTY,
    color,
    interactive: stdinIsTTY && !ci,
    ci,
    programName: o.programName ?? 'portico',
    signal: o.signal ?? new AbortController().signal,
  };
}
