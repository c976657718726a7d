// `portico logs [service...] [--follow] [--tail n]`
import { parseTail, pickServices } from '../log-selection.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import type { DockerClient } from '../../engine/docker/client.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { projectFilter } from '../../compile/labels.js';
import { streamLogs } from '../../engine/logs/follow.js';
import { findProject } from '../../engine/workspace.js';
import { withoutIdleStandbys } from '../../engine/standby/spec.js';

export interface LogsOptions {
  service?: string[];
  follow?: boolean;
  tail?: string;
}

/** The project's containers of the `wanted` services (all when empty), by name; unknown services are a usage error. */
export async function logContainers(docker: DockerClient, project: string, wanted: string[]): Promise<{ id: string; name: string }[]> {
  return pickServices(withoutIdleStandbys(await docker.listContainers(projectFilter(project))), wanted, { what: 'containers', project, present: 'Running services', start: 'portico up' })
    .map((c) => ({ id: c.id, name: c.name }));
}

export async function run(options: LogsOptions, ctx: CommandContext): Promise<number> {
  const tail = parseTail(options.tail);
  const docker = await getDockerClient();
  const { project } = await findProject(ctx.cwd);
  const containers = await logContainers(docker, project, options.service ?? []);
  if (containers.length === 0) {
    ctx.stderr.write(`${project}: no containers (\`portico up\` starts the stack)\n`);
    return 0;
  }
  await streamLogs(docker, containers, {
    follow: options.follow ?? false,
    tail,
    signal: ctx.signal,
    p: paint(ctx.color),
    write: (line) => ctx.stdout.write(line + '\n'),
  });
  return 0;
}
