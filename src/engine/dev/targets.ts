// What `portico dev` watches: each built service's source folder (a template service's folder,
// a Dockerfile service's build context minus what its .dockerignore excludes) and portico.yaml.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { servicePath } from '../../compile/plan.js';
import type { LoadedManifest } from '../../manifest/load.js';
import { dockerignoreMatcher } from '../images/build-context.js';
import type { WatchTarget } from './watch.js';

export const MANIFEST_KEY = '\0manifest';

export async function watchTargets(loaded: LoadedManifest): Promise<WatchTarget[]> {
  const targets: WatchTarget[] = [{ key: MANIFEST_KEY, path: loaded.file }];
  for (const [name, spec] of Object.entries(loaded.manifest.services)) {
    if (spec.image || spec.replicas === 0) continue; // prebuilt: nothing to rebuild
    if (spec.build) {
      const dir = path.resolve(loaded.dir, spec.build.context ?? servicePath(name, spec));
      const text = await readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => '');
      const { matcher } = dockerignoreMatcher(text);
      targets.push({ key: name, path: dir, ignore: (rel) => matcher.ignores(rel) });
    } else {
      targets.push({ key: name, path: path.resolve(loaded.dir, servicePath(name, spec)) });
    }
  }
  return targets;
}
