// The MCP `restart` tool's one engine call: restart a service's containers one at a time, each
// waited for until healthy before the next, so a service with replicas keeps answering.
// `portico restart` (src/engine/restart.ts, its own branch) brings the rolling restart proper;
// at merge this function becomes a call to it, and nothing else in the MCP server changes.
import { PorticoError, usageError } from '../../core/errors.js';
import { LABEL, projectFilter } from '../../compile/labels.js';
import type { DockerClient } from '../../engine/docker/client.js';
import { waitReady } from '../../engine/health.js';

export interface RestartResult {
  project: string;
  service: string;
  restarted: string[];
}

const STOP_TIMEOUT_SECONDS = 10;

export async function restartService(docker: DockerClient, project: string, service: string, timeoutMs: number): Promise<RestartResult> {
  const containers = (await docker.listContainers({ ...projectFilter(project), [LABEL.service]: service })).sort((a, b) => a.name.localeCompare(b.name));
  if (containers.length === 0) {
    throw usageError(`no containers for ${service} in project ${project}.`, 'See the running services with the `status` tool; start them with `up`.');
  }
  const restarted: string[] = [];
  for (const c of containers) {
    await docker.stopContainer(c.id, STOP_TIMEOUT_SECONDS);
    await docker.startContainer(c.id);
    const failure = await waitReady(docker, [{ id: c.id, name: c.name }], { timeoutMs });
    if (failure) {
      throw new PorticoError(`${c.name} did not become healthy after the restart: ${failure.reason}.`, {
        hint: `The other containers of ${service} were left alone. See the \`logs\` tool for ${service}.`,
        details: { restarted },
      });
    }
    restarted.push(c.name);
  }
  return { project, service, restarted };
}
