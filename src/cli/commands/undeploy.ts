// `portico undeploy [--timeout s] [--json]`: removes exactly what `deploy` created (works without a valid portico.yaml).
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { getSwarmClient } from '../../engine/swarm/dockerode-swarm-client.js';
import { assertSwarmManager } from '../../engine/swarm/deploy.js';
import { undeployFromSwarm } from '../../engine/swarm/undeploy.js';
import { findProject } from '../../engine/workspace.js';
import { parseTimeout } from './up.js';

export async function run(options: { timeout?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  const timeoutMs = parseTimeout(options.timeout);
  const swarm = await getSwarmClient();
  await assertSwarmManager(swarm);
  const { project } = await findProject(ctx.cwd);
  const out = options.json ? ctx.stderr : ctx.stdout;
  const result = await undeployFromSwarm(swarm, project, { timeoutMs, signal: ctx.signal, say: (line) => out.write(`${line}\n`) });
  if (options.json) {
    ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  }
  const { services, configs, secrets, networks } = result.removed;
  const p = paint(ctx.color);
  if (services.length + configs.length + secrets.length + networks.length === 0) ctx.stdout.write(`${project}: nothing deployed to remove\n`);
  else ctx.stdout.write(`${p.green('✔')} ${project}: removed ${services.length} service(s), ${configs.length} config(s), ${secrets.length} secret(s), ${networks.length} network(s) from the swarm\n`);
  return 0;
}
