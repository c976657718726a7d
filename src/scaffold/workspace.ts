// Renders templates/workspace/ (portico.yaml, README, .gitignore, .env.example, the CI
// workflow) into a file tree. `portico ci` prints the same workflow file: one source.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE, parseManifest, type LoadedManifest } from '../manifest/load.js';
import { packageRoot, templatesDir } from '../core/paths.js';
import { renderTemplateText } from './handlebars.js';
import { readTemplateFiles, renderFiles } from './template-files.js';
import type { FileTree } from './tree.js';

export interface WorkspaceVars {
  /** DNS-label-safe project name. */
  name: string;
  /** Prefix of suggested env var names: the name in upper case with underscores (SHOP). */
  envPrefix: string;
  /** Portico version the workflow installs. */
  porticoVersion: string;
}

export const WORKFLOW_FILE = '.github/workflows/portico.yml';
export const workspaceTemplateDir = () => path.join(templatesDir(), 'workspace');

export function porticoVersion(): string {
  return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
}

/** Records the workspace files in `tree` (at its root); returns their paths. */
export async function renderWorkspace(tree: FileTree, vars: WorkspaceVars): Promise<string[]> {
  const files = renderFiles(await readTemplateFiles(workspaceTemplateDir()), { ...vars }, 'workspace');
  for (const file of files) tree.create(file.path, file.content);
  return files.map((f) => f.path);
}

/** The GitHub Actions workflow `init` writes and `portico ci` prints. */
export async function renderWorkflow(vars: WorkspaceVars): Promise<string> {
  const text = await readFile(path.join(workspaceTemplateDir(), ...WORKFLOW_FILE.split('/')), 'utf8');
  return renderTemplateText(text, { ...vars }, `workspace/${WORKFLOW_FILE}`);
}

export function workspaceVars(name: string): WorkspaceVars {
  return { name, envPrefix: name.toUpperCase().replace(/-/g, '_'), porticoVersion: porticoVersion() };
}

/**
 * A new workspace recorded in `tree` (rooted at the workspace folder), and its manifest parsed
 * from the recorded text, so later steps (adding a service, generating config) work before
 * anything is written.
 */
export async function workspaceInTree(tree: FileTree, name: string): Promise<LoadedManifest> {
  await renderWorkspace(tree, workspaceVars(name));
  const text = tree.read(MANIFEST_FILE);
  if (text === undefined) throw new Error(`templates/workspace has no ${MANIFEST_FILE}`);
  return parseManifest(text.toString(), path.join(tree.root, MANIFEST_FILE));
}
