// `--json` promises one JSON document on stdout, also when the command fails: scripts parse
// stdout and branch on the exit code. Commands write their own document on success (and may
// write a failure document themselves, then throw ReportedError); for any other error the
// dispatcher in main.ts writes this one before the top-level handler prints the human
// message on stderr.
import { ExitCode, isInterrupt, PorticoError, ReportedError } from '../core/errors.js';

export interface JsonErrorDocument {
  error: { message: string; hint?: string; exitCode: number; details?: unknown };
}

/** The document for `error`, or undefined when the command already reported it (ReportedError). */
export function jsonErrorDocument(error: unknown): JsonErrorDocument | undefined {
  if (error instanceof ReportedError) return undefined;
  if (error instanceof PorticoError) {
    return { error: { message: error.message, hint: error.hint, exitCode: error.exitCode, details: error.details } };
  }
  if (isInterrupt(error)) {
    return { error: { message: 'interrupted', exitCode: ExitCode.INTERRUPTED } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { error: { message: `internal error: ${message}`, exitCode: ExitCode.FAILED } };
}

export function writeJsonError(error: unknown, stdout: NodeJS.WritableStream): void {
  const doc = jsonErrorDocument(error);
  if (doc) stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}
