// The one catalogue of exit codes and the two error kinds the top-level handler knows.
// Exit codes are a contract (README "Exit codes"): scripts and CI pipelines rely on them.
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The operation failed (a container unhealthy, a build failed, files stale for --check). */
  FAILED: 1,
  /** Invalid usage or an invalid manifest: fix the command line or portico.yaml. */
  USAGE: 2,
  /** The environment is not ready: Docker unreachable, a port taken, Node too old. */
  ENVIRONMENT: 3,
  /** Interrupted by the user (SIGINT). */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An expected failure: the user can act on it. The top-level handler prints `message`
 * (and `hint`, the "what to do" part) without a stack trace and exits with `exitCode`.
 */
export class PorticoError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  /** Machine-readable details for --json output. */
  readonly details?: unknown;

  constructor(message: string, options: { exitCode?: ExitCodeValue; hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PorticoError';
    this.exitCode = options.exitCode ?? ExitCode.FAILED;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Invalid usage or manifest (exit 2). */
export function usageError(message: string, hint?: string, details?: unknown): PorticoError {
  return new PorticoError(message, { exitCode: ExitCode.USAGE, hint, details });
}

/** The environment is not ready (exit 3). */
export function environmentError(message: string, hint?: string, details?: unknown): PorticoError {
  return new PorticoError(message, { exitCode: ExitCode.ENVIRONMENT, hint, details });
}

/**
 * A failure whose explanation was already shown to the user (e.g. a task list that printed
 * the failing container's logs): the handler only exits with the code.
 */
export class ReportedError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(exitCode: ExitCodeValue, message = 'already reported') {
    super(message);
    this.name = 'ReportedError';
    this.exitCode = exitCode;
  }
}

/**
 * The user interrupted the command (Ctrl-C): main.ts aborts the command's signal with this,
 * so long operations rethrow it after cleaning up, and the handler exits 130. Recognised by
 * its type, never by its message.
 */
export class InterruptedError extends Error {
  readonly exitCode = ExitCode.INTERRUPTED;
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** An interruption: ours, or an AbortError from a library that was handed the aborted signal. */
export function isInterrupt(error: unknown): boolean {
  return error instanceof InterruptedError || (error instanceof Error && error.name === 'AbortError');
}
