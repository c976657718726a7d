// `portico status [--json]`: Docker's view of every container beside the registry's.
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { collectStatus } from '../../engine/status.js';
import { registryStatusOf, registryView } from '../../engine/registry-view.js';
import { findProject } from '../../engine/workspace.js';

export async function run(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const docker = await getDockerClient();
  const { project } = await findProject(ctx.cwd);
  const status = await collectStatus(docker, project);
  const hasRegistry = status.services.some((s) => s.name === 'registry' && s.instances.some((i) => i.state === 'running'));
  const view = hasRegistry ? await registryView(docker, project) : ({ reachable: false, error: 'registry not running' } as const);
  const services = status.services.map((s) => ({
    ...s,
    instances: s.instances.map((i) => ({
      ...i,
      registry: s.name === 'registry' || s.name === 'gateway' ? null : registryStatusOf(view, s.name, i.instanceId),
    })),
  }));
  const doc = { ...status, services, registry: view.reachable ? { reachable: true } : { reachable: false, error: view.error } };
  if (options.json) {
    ctx.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return 0;
  }
  const p = paint(ctx.color);
  if (services.length === 0) {
    ctx.stdout.write(`${project}: not running (\`portico up\` starts it)\n`);
    return 0;
  }
  ctx.stdout.write(`${p.bold(project)}  gateway ${status.gateway.url ? p.bold(status.gateway.url) : p.yellow('not published')}\n`);
  const rows = [['SERVICE', 'CONTAINER', 'STATE', 'HEALTH', 'REGISTRY', 'UPTIME']];
  for (const s of services) {
    for (const i of s.instances) {
      rows.push([s.name, i.container, i.state, i.health, i.registry ?? '-', i.uptimeSeconds === null ? '-' : formatUptime(i.uptimeSeconds)]);
    }
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  rows.forEach((r, n) => {
    const line = r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd();
    const colored = n === 0 ? p.dim(line) : line.replace(/\b(unhealthy|critical|exited|dead)\b/g, (m) => p.red(m)).replace(/\b(healthy|passing)\b/g, (m) => p.green(m));
    ctx.stdout.write(colored + '\n');
  });
  if (!view.reachable && hasRegistry) ctx.stdout.write(`${p.yellow('note')} registry view unavailable: ${view.error}\n`);
  return 0;
}

export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
