// Steps 2 and 3 of `up`: the runtime image every Portico image is built on, then every
// image the stack needs (built or pulled concurrently; an unchanged one is reused).
import { imageKey, planImages } from '../../compile/plan.js';
import { ensureImage } from '../images/build.js';
import { resolveRuntimeImage } from '../images/runtime-image.js';
import { imageBuildOptions } from '../images/stack-images.js';
import { step, type UpRun } from './run.js';

export async function resolveRuntime(run: UpRun): Promise<void> {
  await step(run, { id: 'runtime', title: 'Runtime image' }, async (s) => {
    const runtime = await resolveRuntimeImage(run.docker, run.manifest.runtime.nodeImage, {
      signal: run.signal,
      version: run.req.version,
      report: s.imageReporter(),
    });
    run.state.runtime = runtime;
    s.title = `Runtime image ${runtime.ref}${runtime.source === 'host-built' ? ' (built from the host node)' : ''}`;
  });
}

export async function buildImages(run: UpRun): Promise<void> {
  const { req, state } = run;
  const specs = planImages(run.planned, req.only);
  const children = specs.map((spec) => ({ id: `image:${imageKey(spec)}`, title: imageKey(spec) }));
  await step(run, { id: 'images', title: 'Images', children, concurrent: true }, () =>
    Promise.all(
      specs.map((spec, i) =>
        step(run, children[i]!, async (s) => {
          const built = await (req.ensureImage ?? ensureImage)(spec, {
            ...imageBuildOptions(run.docker, req.loaded, state.runtime!, { version: req.version, force: req.build, signal: run.signal, report: s.imageReporter() }),
            bundle: req.bundle,
            overlayBases: req.overlayBases,
          });
          state.images[imageKey(spec)] = built;
          s.title = `${imageKey(spec)}: ${built.ref} (${built.outcome === 'cached' ? 'up to date' : built.outcome})`;
        }),
      ),
    ),
  );
}
