// The interleaved logs of `portico dev`: every container of the project followed with a
// prefix (as `portico logs -f`), and the containers a reload starts picked up by `refresh()`.
// Lines are prefixed with the slot's name (`<project>-<service>-<n>`, from the labels) so a
// replaced container keeps the prefix of the one it replaced.
import type { ChalkInstance } from 'chalk';
import { LABEL, projectFilter } from '../../compile/labels.js';
import { containerName } from '../../manifest/names.js';
import type { DockerClient } from '../docker/client.js';
import { pipePrefixed, prefixer } from '../logs/follow.js';

/** Lines of a new container's start kept (it started moments ago: this is its whole log). */
const NEW_CONTAINER_TAIL = 500;

export interface StackLogs {
  /** Starts following containers not followed yet. */
  refresh(): Promise<void>;
  stop(): void;
}

export async function followStackLogs(docker: DockerClient, project: string, options: { p: ChalkInstance; write: (line: string) => void }): Promise<StackLogs> {
  const followed = new Map<string, { destroy(): void }>();
  const names: string[] = [];
  let first = true;
  let stopped = false;
  const refresh = async () => {
    if (stopped) return;
    const containers = (await docker.listContainers(projectFilter(project))).filter((c) => c.state === 'running' && !followed.has(c.id));
    const slots = containers.map((c) => containerName(project, c.labels[LABEL.service] ?? '?', Number(c.labels[LABEL.replica] ?? 1)));
    for (const s of slots) if (!names.includes(s)) names.push(s);
    names.sort();
    const prefix = prefixer(options.p, names);
    const tail = first ? 0 : NEW_CONTAINER_TAIL;
    first = false;
    await Promise.all(
      containers.map(async (c, i) => {
        const stream = await docker.containerLogs(c.id, { follow: true, tail });
        if (stopped) return stream.destroy();
        followed.set(c.id, stream);
        void pipePrefixed(stream, prefix(slots[i]!), options.write)
          .catch(() => undefined)
          .finally(() => followed.delete(c.id));
      }),
    );
  };
  await refresh();
  return {
    refresh,
    stop() {
      stopped = true;
      for (const s of followed.values()) s.destroy();
      followed.clear();
    },
  };
}
