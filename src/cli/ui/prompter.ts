// Questions asked only when a person is there (ctx.interactive and no --yes). Commands talk to
// this interface so tests can answer from a script; the real one lazy-loads @inquirer/prompts
// so commands that never prompt never load it.
import { ExitCode, PorticoError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import type { Prompter } from '../../scaffold/prompts.js';

export type { Choice, Prompter } from '../../scaffold/prompts.js';

export function inquirerPrompter(ctx: Pick<CommandContext, 'signal'>): Prompter {
  const context = { signal: ctx.signal };
  const prompts = () => import('@inquirer/prompts');
  return {
    select: async (message, choices, defaultValue) => asked(async () => (await prompts()).select({ message, choices, default: defaultValue }, context)),
    input: async (message, defaultValue, validate) => asked(async () => (await prompts()).input({ message, default: defaultValue, validate }, context)),
    confirm: async (message, defaultValue) => asked(async () => (await prompts()).confirm({ message, default: defaultValue }, context)),
  };
}

/** Ctrl-C or Escape in a prompt ends the command like an interrupt, without a stack trace. */
async function asked<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') {
      throw new PorticoError('cancelled; nothing was written.', { exitCode: ExitCode.INTERRUPTED });
    }
    throw error;
  }
}
