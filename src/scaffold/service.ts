// Renders a service template into a file tree: everything in templates/service/_shared/ (what
// every Node template has alike: Dockerfile, build, tsconfig, the registry client...) and the
// template's own files, which win over shared ones with the same path. Both go through the
// same rendering (handlebars for text files that hold a mustache).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readTemplateFiles, renderFiles } from './template-files.js';
import type { FileTree } from './tree.js';

/** The variables every service template may use. */
export interface ServiceVars {
  /** DNS-label-safe service name. */
  name: string;
  port: number;
  /** Gateway route prefix without a trailing slash, e.g. /orders ('' for the root route). */
  route: string;
  /** Free text (escaped by the json/yaml/oneline helpers). */
  description: string;
  project: string;
  template: string;
}

/** Template metadata stays in the template folder; it is not part of the new service. */
const META_FILE = 'template.json';

/** Shared files live next to the templates: <templates root>/service/_shared. */
export const sharedDirFor = (templateDir: string) => path.join(path.dirname(templateDir), '_shared');

/**
 * Records the new service's files in `tree` under `destRel`; returns their paths relative to
 * the service folder. `templateDir` is the template's folder (TemplateInfo.dir); `shared:
 * false` leaves out the shared files (a template in another language, TemplateInfo.shared).
 */
export async function renderService(tree: FileTree, destRel: string, templateDir: string, vars: ServiceVars, options: { shared?: boolean } = {}): Promise<string[]> {
  const sharedDir = sharedDirFor(templateDir);
  const hasShared = options.shared !== false && (await stat(sharedDir).then((s) => s.isDirectory(), () => false));
  const [shared, own] = await Promise.all([
    hasShared ? readTemplateFiles(sharedDir) : [],
    readTemplateFiles(templateDir, (p) => p === META_FILE),
  ]);
  const files = [...renderFiles(shared, { ...vars }, 'service/_shared'), ...renderFiles(own, { ...vars }, vars.template)];
  for (const file of files) tree.create(`${destRel}/${file.path}`, file.content);
  return [...new Set(files.map((f) => f.path))].sort();
}
