// Reading template folders from disk, and the pure step that turns their files into the
// files of a new project: `__name__` path tokens, `_gitignore` -> `.gitignore`, handlebars for
// text files only (binary files are copied byte for byte).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderTemplateText } from './handlebars.js';

export interface TemplateFile {
  /** Path inside the template folder, with `/` separators. */
  path: string;
  content: Buffer;
}

export interface RenderedFile {
  path: string;
  content: string | Buffer;
}

/** Template files whose text goes through handlebars; everything else is copied as-is. */
const TEXT_EXTENSIONS = new Set([
  '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.md', '.yaml', '.yml', '.txt', '.html', '.css', '.toml', '.example', '.sh', '.go',
]);
const TEXT_NAMES = new Set(['Dockerfile', '_gitignore', '.dockerignore', '.gitignore', '.npmrc', '.nvmrc', '.env', 'go.mod']);

export function isTextFile(file: string): boolean {
  const base = path.posix.basename(file);
  return TEXT_NAMES.has(base) || TEXT_EXTENSIONS.has(path.posix.extname(base).toLowerCase());
}

/** Dotfiles are stored without their dot (npm pack drops or interprets `.gitignore`). */
const RENAMES: Record<string, string> = { _gitignore: '.gitignore' };

/** `__name__` in a path segment becomes vars.name; an unknown token is a template bug. */
export function renderPath(file: string, vars: Record<string, unknown>): string {
  return file
    .split('/')
    .map((segment) => {
      const renamed = RENAMES[segment] ?? segment;
      return renamed.replace(/__([a-zA-Z]+)__/g, (_, key: string) => {
        const value = vars[key];
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new Error(`template path ${file}: no value for __${key}__`);
        }
        return String(value);
      });
    })
    .join('/');
}

/** Pure: template files + variables -> files of the new project. */
export function renderFiles(files: TemplateFile[], vars: Record<string, unknown>, label: string): RenderedFile[] {
  return files.map((file) => ({
    path: renderPath(file.path, vars),
    content: isTextFile(file.path) ? renderTemplateText(file.content.toString('utf8'), vars, `${label}/${file.path}`) : file.content,
  }));
}

/**
 * Every file under `dir` (sorted, `/` separators). `skip` filters top-level entries (e.g.
 * template.json, which describes the template and is not part of the new project).
 */
export async function readTemplateFiles(dir: string, skip: (relPath: string) => boolean = () => false): Promise<TemplateFile[]> {
  const out: TemplateFile[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (skip(child) || entry.name === 'node_modules' || entry.name === 'dist') continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) out.push({ path: child, content: await readFile(path.join(dir, child)) });
    }
  };
  await walk('');
  return out;
}
