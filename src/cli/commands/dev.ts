// `portico dev [--down-on-exit] [--timeout s]` (also `portico up --watch`): `up`, then watch
// every built service's sources and portico.yaml and reload what changed without failing a
// request, with the logs of all containers interleaved. Ctrl-C stops watching and leaves the
// stack running (exit 0), unless --down-on-exit.
import { VERSION } from '../../core/version.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { devEventLines } from '../ui/dev-events.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { followStackLogs } from '../../engine/dev/logs.js';
import { runDevSession } from '../../engine/dev/session.js';
import { downStack } from '../../engine/stack-down.js';
import { standbyDirOf } from '../../engine/workspace.js';
import { bringUp, parseTimeout, type UpOptions } from './up.js';
import { printDown } from './down.js';

export interface DevOptions extends UpOptions {
  downOnExit?: boolean;
}

export async function run(options: DevOptions, ctx: CommandContext): Promise<number> {
  await bringUp({ ...options, service: [], wait: true, json: false }, ctx, 'stack');
  const docker = await getDockerClient();
  const load = () => loadValidManifest(ctx.cwd, { env: ctx.env });
  const loaded = await load();
  const p = paint(ctx.color);
  const say = (line: string) => ctx.stdout.write(`${line}\n`);
  const logs = await followStackLogs(docker, loaded.manifest.name, { p, write: say });
  try {
    await runDevSession({
      docker,
      loaded,
      loadManifest: load,
      version: VERSION,
      env: ctx.env,
      timeoutMs: parseTimeout(options.timeout),
      signal: ctx.signal,
      report: (e) => {
        if (e.type === 'warning') say(`${p.yellow('warning')} ${e.message}`);
      },
      onEvent: (e) => {
        devEventLines(e, ctx.color).forEach(say);
        if (e.type === 'reloaded') void logs.refresh().catch(() => undefined);
      },
    });
  } finally {
    logs.stop();
  }
  if (options.downOnExit) {
    say('stopped watching; --down-on-exit: removing the stack');
    printDown(await downStack(docker, { project: loaded.manifest.name, volumes: false, removeOrphans: false, knownServices: new Set(['registry', 'gateway', ...Object.keys(loaded.manifest.services)]), standbyDir: standbyDirOf(loaded.dir) }), ctx);
  } else {
    say(`stopped watching. The ${loaded.manifest.name} stack is still running: \`portico down\` stops it.`);
  }
  return 0;
}
