// `portico scale <service>=<n> [--save] [--timeout s] [--json]`: the running service gets n
// containers (new ones start and pass before they count; surplus ones are drained). Without
// --save portico.yaml is untouched and a later `up` returns to its count; --save writes
// `replicas: n` into it, keeping comments and layout.
import { writeFile } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { fileError } from '../../core/fs-error.js';
import { usageError } from '../../core/errors.js';
import { setReplicasText } from '../../manifest/edit.js';
import { scaleService } from '../../engine/rollout.js';
import { loadForRollout, runRollout, type RolloutOptions } from './rollout-command.js';

export interface ScaleOptions extends RolloutOptions {
  assignment: string;
  save?: boolean;
}

/** Maximum replicas `scale` accepts (the schema's limit for `replicas`). */
const MAX_REPLICAS = 20;

export function parseAssignment(text: string): { service: string; replicas: number } {
  const match = /^([a-z0-9][a-z0-9-]*)=(\d+)$/.exec(text);
  const replicas = match ? Number(match[2]) : NaN;
  if (!match || replicas > MAX_REPLICAS) {
    throw usageError(`expected <service>=<replicas> with replicas from 0 to ${MAX_REPLICAS}, got "${text}".`, 'For example `portico scale orders=3`.');
  }
  return { service: match[1]!, replicas };
}

export async function run(options: ScaleOptions, ctx: CommandContext): Promise<number> {
  const { service, replicas } = parseAssignment(options.assignment);
  const setup = { ...(await loadForRollout(ctx, [service])), services: [service] };
  const result = await runRollout(options, ctx, setup, (req) => scaleService({ ...req, service, replicas }));
  const { loaded } = setup;
  if (options.save) {
    try {
      await writeFile(loaded.file, setReplicasText(loaded, service, replicas), 'utf8');
    } catch (error) {
      throw fileError(error, 'write', loaded.file, 'The stack was scaled; only saving the count failed.');
    }
  }
  const saved = options.save ? ` (saved in ${loaded.file})` : ' (portico.yaml unchanged: add --save to keep it)';
  if (options.json) ctx.stdout.write(JSON.stringify({ ok: true, project: loaded.manifest.name, service, replicas, saved: options.save ?? false, changes: result.changes }, null, 2) + '\n');
  else ctx.stdout.write(`${service}: ${replicas} replica${replicas === 1 ? '' : 's'}${saved}\n`);
  return 0;
}
