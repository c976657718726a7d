// File-system failures at the write edge (a read-only disk, no permission, a file where a
// folder should be) come from the user's machine, not from a Portico bug: they become one
// paragraph naming the file and what to do, instead of "internal error" and a stack trace.
import { ExitCode, PorticoError } from './errors.js';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'a file is in the way where a folder is needed',
  EISDIR: 'a folder is in the way where a file is needed',
  EEXIST: 'a file is in the way where a folder is needed',
};
/** Not something the workspace can fix: the machine is not ready (exit 3). */
const ENVIRONMENT = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC']);

/** `error` as a PorticoError when it is a known file-system failure; otherwise unchanged. */
export function fileError(error: unknown, action: string, file: string, hint: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !(code in REASONS)) return error;
  return new PorticoError(`cannot ${action} ${file}: ${REASONS[code]} (${code}).`, {
    exitCode: ENVIRONMENT.has(code) ? ExitCode.ENVIRONMENT : ExitCode.FAILED,
    hint,
    cause: error,
  });
}
