// Placeholder until the command lands; owned by the issue that names `portico init`.
import { PorticoError } from '../errors.js';
import type { CommandContext } from '../context.js';

export async function run(_options: unknown, _ctx: CommandContext): Promise<number> {
  throw new PorticoError('`portico init` is not available in this build yet.');
}
