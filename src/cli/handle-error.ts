import { ExitCode, isInterrupt, PorticoError, ReportedError } from '../core/errors.js';
import type { CommandContext } from './context.js';
import { paint } from './ui/paint.js';

/**
 * The top-level error handler: expected failures print their message and hint; anything else
 * is a bug in Portico and prints its stack with how to report it.
 */
export function handleError(error: unknown, ctx: Pick<CommandContext, 'stderr' | 'color'>): number {
  const p = paint(ctx.color);
  if (error instanceof ReportedError) return error.exitCode;
  if (error instanceof PorticoError) {
    ctx.stderr.write(`${p.red('error')} ${error.message}\n`);
    if (error.hint) ctx.stderr.write(`${p.dim('hint')}  ${error.hint}\n`);
    return error.exitCode;
  }
  if (isInterrupt(error)) {
    ctx.stderr.write(`${p.yellow('interrupted')}\n`);
    return ExitCode.INTERRUPTED;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  ctx.stderr.write(
    `${p.red('internal error')} this is a bug in Portico.\n${stack}\n` +
      'Please report it with the command you ran and the output above.\n',
  );
  return ExitCode.FAILED;
}
