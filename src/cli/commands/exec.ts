// `portico exec <service> [--replica n] [-i] -- <cmd...>`: runs a command in a running
// container of the service and exits with the command's exit code. With a terminal on stdin
// and stdout it is interactive (a TTY in the container, raw keys, resizes followed); without
// one, stdout and stderr stay apart and stdin is passed only with -i.
import type { CommandContext } from '../context.js';
import { usageError } from '../../core/errors.js';
import type { ExecIo } from '../../engine/docker/client.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { chooseExecTarget } from '../../engine/exec.js';
import { projectFilter } from '../../compile/labels.js';
import { findProject } from '../../engine/workspace.js';
import { withoutIdleStandbys } from '../../engine/standby/spec.js';

export interface ExecOptions {
  service: string;
  command?: string[];
  replica?: string;
  interactive?: boolean;
}

type Terminal = NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => void; pause(): void; resume(): void };
type Screen = NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number; on(e: 'resize', l: () => void): void; off(e: 'resize', l: () => void): void };

export async function run(options: ExecOptions, ctx: CommandContext): Promise<number> {
  const command = options.command ?? [];
  if (command.length === 0) throw usageError('no command given.', `Put it after --, e.g. \`portico exec ${options.service} -- sh\`.`);
  const replica = options.replica === undefined ? undefined : Number(options.replica);
  if (replica !== undefined && (!Number.isInteger(replica) || replica < 1)) throw usageError(`--replica must be a whole number from 1, got "${options.replica}".`);

  const docker = await getDockerClient();
  const { project, loaded } = await findProject(ctx.cwd);
  const declared = Object.fromEntries(Object.entries(loaded?.manifest.services ?? {}).map(([name, spec]) => [name, spec.replicas]));
  const target = chooseExecTarget(withoutIdleStandbys(await docker.listContainers(projectFilter(project))), { project, service: options.service, replica, declared: { ...declared, registry: 1, gateway: 1 } });
  if (target instanceof Error) throw target;

  const screen = ctx.stdout as Screen;
  const stdin = ctx.stdin as Terminal;
  const tty = ctx.stdinIsTTY && screen.isTTY === true;
  const io: ExecIo = { tty, stdout: ctx.stdout, stderr: ctx.stderr, signal: ctx.signal };
  if (tty) {
    io.stdin = stdin;
    io.size = { rows: screen.rows ?? 24, columns: screen.columns ?? 80 };
    io.onResize = (listener) => {
      const onResize = () => listener({ rows: screen.rows ?? 24, columns: screen.columns ?? 80 });
      screen.on('resize', onResize);
      return () => screen.off('resize', onResize);
    };
  } else if (options.interactive) {
    io.stdin = stdin;
  }
  // Raw mode: Ctrl-C, arrows and tab completion go to the container's shell, not to Portico.
  if (tty) stdin.setRawMode?.(true);
  try {
    return await docker.execAttached(target.id, command, io);
  } finally {
    if (tty) stdin.setRawMode?.(false);
    if (io.stdin) stdin.pause(); // let the process exit: a resumed stdin keeps it alive
  }
}
