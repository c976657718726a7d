// One image build through the Docker API, with the failure explained: what was being built,
// the engine's message and the build's last lines. Shared by every kind of image Portico builds.
import { PorticoError } from '../../core/errors.js';
import type { BuildOptions } from '../docker/client.js';
import { LABEL } from '../../compile/labels.js';
import type { BuildContext } from './build.js';

/** Builds `ref` from a tar context; a failure names what was built and shows the build's last lines. */
export async function buildOrExplain(
  ctx: BuildContext,
  context: NodeJS.ReadableStream,
  ref: string,
  what: string,
  options: Pick<BuildOptions, 'buildargs' | 'labels' | 'dockerfile' | 'target'> = {},
) {
  const lines: string[] = [];
  try {
    await ctx.docker.buildImage(context as never, {
      ...options,
      labels: options.labels ?? { [LABEL.project]: ctx.project, [LABEL.version]: ctx.version },
      tag: ref,
      signal: ctx.signal,
      onProgress: (line) => {
        lines.push(line);
        ctx.report.buildLog?.(line);
      },
    });
  } catch (error) {
    ctx.signal?.throwIfAborted();
    throw new PorticoError(`building ${what} (${ref}) failed: ${(error as Error).message}\n${tail(lines.join('\n'), 20)}`, {
      hint: 'Fix the Dockerfile or the build output above, then run `portico up` again (`--build` forces a rebuild).',
      cause: error,
    });
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
