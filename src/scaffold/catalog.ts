// The template catalog: every folder templates/service/<id>/ holding a template.json.
// Folders whose name starts with "_" hold shared code (templates/service/_shared), not templates.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { PorticoError, usageError } from '../core/errors.js';
import { templatesDir } from '../core/paths.js';

/** The template `portico create` uses when none is named. */
export const DEFAULT_TEMPLATE = 'node-fastify';
export const TEMPLATE_MANIFEST = 'template.json';
/**
 * Points the catalog at another templates folder (same layout as the package's templates/:
 * service/<id>/template.json). For template authors, and for tests.
 */
export const TEMPLATES_DIR_ENV = 'PORTICO_TEMPLATES_DIR';

const templateJsonSchema = z
  .object({
    id: z.string().min(1),
    description: z.string().min(1),
    defaultPort: z.number().int().min(1).max(65535),
    language: z.string().min(1),
    /** false: the template does not take templates/service/_shared (the Node files). */
    shared: z.boolean().default(true),
    /**
     * "host": Portico bundles the service on the host (`npm install` after create, `npm run
     * build` on up) and copies the result onto the runtime image. "dockerfile": the
     * service's own multi-stage Dockerfile builds it from source (`build: {}` in portico.yaml).
     */
    build: z.enum(['host', 'dockerfile']).default('host'),
    /** What runs the service's own tests, for the next steps `create` prints. */
    testCommand: z.string().min(1).default('npm test'),
  })
  .passthrough();

export interface TemplateInfo {
  id: string;
  description: string;
  defaultPort: number;
  language: string;
  shared: boolean;
  build: 'host' | 'dockerfile';
  testCommand: string;
  /** Absolute folder of the template's files. */
  dir: string;
}

/** The templates root for a command's environment (PORTICO_TEMPLATES_DIR, else the package's). */
export function templatesRootFor(env: NodeJS.ProcessEnv): string {
  const override = env[TEMPLATES_DIR_ENV];
  return override ? path.resolve(override) : templatesDir();
}

/** All templates under `<root>/service`, sorted by id. */
export async function listTemplates(root: string = templatesDir()): Promise<TemplateInfo[]> {
  const serviceDir = path.join(root, 'service');
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(serviceDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
      .map((e) => readTemplate(path.join(serviceDir, e.name), e.name)),
  );
  return found.filter((t): t is TemplateInfo => t !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

export async function getTemplate(id: string, root: string = templatesDir()): Promise<TemplateInfo | undefined> {
  return (await listTemplates(root)).find((t) => t.id === id);
}

/** Like getTemplate, but an unknown id is a usage error (exit 2) listing the known ones. */
export async function requireTemplate(id: string, root: string = templatesDir()): Promise<TemplateInfo> {
  return pickTemplate(id, await listTemplates(root));
}

/** The template `id` among `templates` (already listed); an unknown id is exit 2. */
export function pickTemplate(id: string, templates: readonly TemplateInfo[]): TemplateInfo {
  const found = templates.find((t) => t.id === id);
  if (found) return found;
  throw usageError(`unknown template "${id}".`, `Use one of: ${templates.map((t) => t.id).join(', ') || '(none installed)'}. \`portico templates\` lists them.`);
}

async function readTemplate(dir: string, folderName: string): Promise<TemplateInfo | undefined> {
  const file = path.join(dir, TEMPLATE_MANIFEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // A folder without template.json is not a template (e.g. one being written).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: z.infer<typeof templateJsonSchema>;
  try {
    parsed = templateJsonSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw new PorticoError(`${file} is not a valid template description: ${(cause as Error).message.split('\n')[0]}`, {
      hint: 'It needs {"id", "description", "defaultPort", "language"} (optional: "shared", "build", "testCommand"; see docs/templates.md); fix the file or remove the folder.',
      cause,
    });
  }
  if (parsed.id !== folderName) {
    throw new PorticoError(`${file} has id "${parsed.id}" but lives in folder "${folderName}".`, {
      hint: 'A template id must equal its folder name; rename one of them.',
    });
  }
  const { id, description, defaultPort, language, shared, build, testCommand } = parsed;
  return { id, description, defaultPort, language, shared, build, testCommand, dir };
}
