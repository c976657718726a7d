// `portico gateway up|down`: only the registry and the gateway, for services run elsewhere.
import type { CommandContext } from '../context.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { downStack } from '../../engine/stack-down.js';
import { findProject } from '../../engine/workspace.js';
import { bringUp } from './up.js';
import { printDown } from './down.js';

export interface GatewayOptions {
  action: 'up' | 'down';
  timeout?: string;
  json?: boolean;
}

export async function run(options: GatewayOptions, ctx: CommandContext): Promise<number> {
  if (options.action === 'up') return bringUp({ timeout: options.timeout, json: options.json, wait: true }, ctx, 'gateway');
  const docker = await getDockerClient();
  const ref = await findProject(ctx.cwd);
  const result = await downStack(docker, { project: ref.project, volumes: false, removeOrphans: false, onlyServices: new Set(['registry', 'gateway']) });
  if (options.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else printDown(result, ctx, 'registry and gateway');
  return 0;
}
