// What `restart` and `scale` share: the pre-flight of `up` (Docker, a valid manifest, known
// service names), the progress reporter, one line per container change, and the --json document.
import { VERSION } from '../../core/version.js';
import { usageError } from '../../core/errors.js';
import type { LoadedManifest } from '../../manifest/load.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import type { DockerClient } from '../../engine/docker/client.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import type { RolloutRequest, RolloutResult } from '../../engine/rollout.js';
import { withWorkspaceFiles } from '../../engine/workspace-files.js';
import type { CommandContext } from '../context.js';
import { progressReporter } from '../ui/progress.js';
import { slotChangeLine } from '../ui/slot-change.js';
import { parseTimeout } from './up.js';

export interface RolloutOptions {
  timeout?: string;
  json?: boolean;
}

type BaseRequest = Omit<RolloutRequest, 'services' | 'force'>;

export async function loadForRollout(ctx: CommandContext, services: string[]): Promise<{ docker: DockerClient; loaded: LoadedManifest }> {
  const docker = await getDockerClient();
  const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
  const unknown = services.filter((s) => !(s in loaded.manifest.services));
  if (unknown.length > 0) {
    throw usageError(`unknown service${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.`, `Services in portico.yaml: ${Object.keys(loaded.manifest.services).join(', ') || '(none)'}.`);
  }
  return { docker, loaded };
}

/** Runs `roll` with a request built like `up`'s; prints the changes (or one JSON document). */
export async function runRollout(
  options: RolloutOptions,
  ctx: CommandContext,
  setup: { docker: DockerClient; loaded: LoadedManifest; services: string[] },
  roll: (req: BaseRequest) => Promise<RolloutResult>,
): Promise<RolloutResult> {
  const json = options.json ?? false;
  const progress = progressReporter(ctx, { json });
  const out = json ? ctx.stderr : ctx.stdout;
  try {
    return await roll({
      docker: setup.docker,
      loaded: await withWorkspaceFiles(setup.loaded, setup.services),
      timeoutMs: parseTimeout(options.timeout),
      build: false,
      version: VERSION,
      env: ctx.env,
      signal: ctx.signal,
      report: progress.report,
      onChange: (c) => out.write(`${slotChangeLine(c, ctx.color)}\n`),
    });
  } finally {
    await progress.end();
  }
}
