// Semantic checks of what a service reads from the workspace: its Dockerfile build (`build:`),
// its env files (`envFile:`) and its bind mounts (`mounts:`). Pure: the manifest's text only;
// workspace-files-on-disk.ts repeats the containment checks after resolving symlinks.
import { outsideProblem, parseMount } from './mounts.js';
import { relativePathProblem } from './relative-path.js';
import type { Manifest, ServiceSpec } from './schema.js';
import type { SemanticProblem } from './validate.js';

/** The env files of a service as a list (one file may be written as a string). */
export const envFilesOf = (spec: Pick<ServiceSpec, 'envFile'>): string[] =>
  spec.envFile === undefined ? [] : typeof spec.envFile === 'string' ? [spec.envFile] : spec.envFile;

export function checkServiceFiles(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const [name, spec] of Object.entries(m.services)) {
    const at = ['services', name];
    if (spec.build) {
      const { context, dockerfile } = spec.build;
      const contextProblem = context === undefined ? undefined : relativePathProblem(context, { what: 'build contexts', example: `services/${name}`, allowRoot: true });
      if (contextProblem) problems.push({ path: [...at, 'build', 'context'], message: contextProblem });
      // The context is sent as a tar: a Dockerfile outside it would not be in it.
      const dockerfileProblem = relativePathProblem(dockerfile, { what: 'the Dockerfile', example: 'Dockerfile', base: 'the build context' });
      if (dockerfileProblem) problems.push({ path: [...at, 'build', 'dockerfile'], message: dockerfileProblem.replace('outside the workspace', 'outside the build context') });
    }
    envFilesOf(spec).forEach((file, i) => {
      const problem = relativePathProblem(file, { what: 'env files', example: '.env' });
      if (problem) problems.push({ path: typeof spec.envFile === 'string' ? [...at, 'envFile'] : [...at, 'envFile', i], message: problem });
    });
    spec.mounts.forEach((written, i) => {
      const mount = parseMount(written);
      const problem = typeof mount === 'string' ? mount : outsideProblem(mount, written);
      if (problem) problems.push({ path: [...at, 'mounts', i], message: problem });
    });
  }
  return problems;
}
