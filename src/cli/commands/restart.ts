// `portico restart <service...> [--timeout s] [--json]`: every container of the services
// replaced one at a time, start-first (engine/rolling.ts): no request fails meanwhile.
import type { CommandContext } from '../context.js';
import { restartServices } from '../../engine/rollout.js';
import { loadForRollout, runRollout, type RolloutOptions } from './rollout-command.js';

export interface RestartOptions extends RolloutOptions {
  service: string[];
}

export async function run(options: RestartOptions, ctx: CommandContext): Promise<number> {
  const setup = { ...(await loadForRollout(ctx, options.service)), services: options.service };
  const result = await runRollout(options, ctx, setup, (req) => restartServices({ ...req, services: options.service }));
  if (options.json) ctx.stdout.write(JSON.stringify({ ok: true, project: setup.loaded.manifest.name, changes: result.changes }, null, 2) + '\n');
  return 0;
}
