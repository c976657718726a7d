// The manifest every command works from: portico.yaml loaded, then checked against the
// semantic rules and the templates this installation has. Here because it joins the manifest
// with the template catalog (scaffold/), which manifest/ does not know about.
import { loadManifest, ManifestError, type LoadedManifest } from '../manifest/load.js';
import { workspaceFilesOnDisk } from '../manifest/workspace-files-on-disk.js';
import { assertValidManifest, located } from '../manifest/validate.js';
import { listTemplates, templatesRootFor } from './catalog.js';

export interface ValidateOptions {
  /** Environment for PORTICO_TEMPLATES_DIR (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** loadManifest + semantic checks. Throws ManifestError (exit 2) listing every problem with file:line:column. */
export async function loadValidManifest(cwd: string, options: ValidateOptions = {}): Promise<LoadedManifest> {
  const loaded = await loadManifest(cwd);
  const templates = await listTemplates(templatesRootFor(options.env ?? process.env));
  assertValidManifest(loaded, templates.map((t) => t.id));
  // Only for a manifest that passed the text checks: symlinks, missing mount sources, CA files.
  const onDisk = located(loaded, await workspaceFilesOnDisk(loaded.manifest, loaded.dir));
  if (onDisk.length > 0) throw new ManifestError(loaded.file, onDisk);
  return loaded;
}
