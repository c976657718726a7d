// Renders a service template into a file tree: the template's own files (through handlebars)
// plus everything in templates/service/_shared/ (copied verbatim: the registry client and
// other code every template uses).
import path from 'node:path';
import { templatesDir } from '../paths.js';
import { readTemplateFiles, renderFiles } from './template-files.js';
import type { FileTree } from './tree.js';

/** The variables every service template may use. */
export interface ServiceVars {
  /** DNS-label-safe service name. */
  name: string;
  port: number;
  /** Gateway route prefix, e.g. /orders. */
  route: string;
  /** Free text (escaped by the json/yaml/oneline helpers). */
  description: string;
  project: string;
  template: string;
}

export const serviceTemplatesDir = () => path.join(templatesDir(), 'service');

/** Template metadata stays in the template folder; it is not part of the new service. */
const META_FILE = 'template.json';

/** The relative paths the service will contain, and their content, recorded in `tree` under `destRel`. */
export async function renderService(tree: FileTree, destRel: string, vars: ServiceVars): Promise<string[]> {
  const root = serviceTemplatesDir();
  const [shared, own] = await Promise.all([
    readTemplateFiles(path.join(root, '_shared')),
    readTemplateFiles(path.join(root, vars.template), (p) => p === META_FILE),
  ]);
  const files = [...shared, ...renderFiles(own, { ...vars }, vars.template)];
  for (const file of files) tree.create(`${destRel}/${file.path}`, file.content);
  return [...new Set(files.map((f) => f.path))].sort();
}
