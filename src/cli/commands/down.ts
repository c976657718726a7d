// `portico down [--volumes] [--remove-orphans] [--json]`: works without a valid portico.yaml.
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { downStack, type DownResult } from '../../engine/stack-down.js';
import { findProject, standbyDirOf } from '../../engine/workspace.js';

export interface DownOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  json?: boolean;
}

export async function run(options: DownOptions, ctx: CommandContext): Promise<number> {
  const docker = await getDockerClient();
  const ref = await findProject(ctx.cwd);
  const knownServices = ref.loaded ? new Set(['registry', 'gateway', ...Object.keys(ref.loaded.manifest.services)]) : undefined;
  const result = await downStack(docker, {
    project: ref.project,
    volumes: options.volumes ?? false,
    removeOrphans: options.removeOrphans ?? false,
    knownServices,
    standbyDir: standbyDirOf(ref.workspaceDir),
  });
  if (options.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else printDown(result, ctx);
  return 0;
}

export function printDown(r: DownResult, ctx: CommandContext, what = 'stack'): void {
  const p = paint(ctx.color);
  const { containers, networks, volumes } = r.removed;
  if (containers.length + networks.length + volumes.length === 0) {
    ctx.stdout.write(`${r.project}: nothing to remove\n`);
  } else {
    const parts = [
      `${containers.length} container${containers.length === 1 ? '' : 's'}`,
      networks.length > 0 && `network ${networks.join(', ')}`,
      volumes.length > 0 && `${volumes.length} volume${volumes.length === 1 ? '' : 's'}`,
    ].filter(Boolean);
    ctx.stdout.write(`${p.green('✔')} ${r.project}: removed ${what} (${parts.join(', ')})\n`);
  }
  if (r.kept.length > 0) {
    ctx.stdout.write(`${p.yellow('note')} kept containers of services no longer in portico.yaml: ${r.kept.join(', ')} (add --remove-orphans to remove them)\n`);
  }
}
