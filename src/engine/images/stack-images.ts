// Every image a manifest needs, present in the engine: the runtime image, then the registry,
// the gateway and each service (built or pulled concurrently, content-addressed as `up` does,
// so after a `portico up` nothing is rebuilt). For commands that reference the images
// without starting containers (`portico export`, `portico deploy`).
import { imageKey, planImages } from '../../compile/plan.js';
import type { LoadedManifest } from '../../manifest/load.js';
import type { DockerClient } from '../docker/client.js';
import { stateDirOf } from '../workspace.js';
import { ensureImage, type BuiltImage } from './build.js';
import { resolveRuntimeImage, type ImageReporter, type RuntimeImage } from './runtime-image.js';

export interface StackImages {
  runtime: RuntimeImage;
  /** Image reference per image key (registry, gateway, each service). */
  refs: Record<string, string>;
  /** pushable: built by Portico (a plain `image:` is pulled by whoever runs it instead). */
  built: { key: string; ref: string; outcome: BuiltImage['outcome']; pushable: boolean }[];
}

/** What ensureImage needs besides the spec, the same for `up`, `export` and `deploy`. */
export function imageBuildOptions(
  docker: DockerClient,
  loaded: LoadedManifest,
  runtime: RuntimeImage,
  options: { version: string; signal?: AbortSignal; report: ImageReporter; force?: boolean },
): Parameters<typeof ensureImage>[1] {
  return {
    docker,
    project: loaded.manifest.name,
    version: options.version,
    workspaceDir: loaded.dir,
    stateDir: stateDirOf(loaded.dir),
    runtime,
    force: options.force ?? false,
    signal: options.signal,
    report: options.report,
  };
}

export async function ensureStackImages(
  docker: DockerClient,
  loaded: LoadedManifest,
  options: { version: string; signal?: AbortSignal; report: ImageReporter; force?: boolean; onBuilt?: (key: string, image: BuiltImage) => void },
): Promise<StackImages> {
  const runtime = await resolveRuntimeImage(docker, loaded.manifest.runtime.nodeImage, options);
  const specs = planImages(loaded.manifest);
  const results = await Promise.all(
    specs.map(async (spec) => {
      const image = await ensureImage(spec, imageBuildOptions(docker, loaded, runtime, options));
      options.onBuilt?.(imageKey(spec), image);
      return { key: imageKey(spec), ref: image.ref, outcome: image.outcome, pushable: spec.kind !== 'pull' };
    }),
  );
  return { runtime, refs: Object.fromEntries(results.map((r) => [r.key, r.ref])), built: results };
}
