// `envFile:` — dotenv files whose variables go into a service's containers. Parsed with the
// dotenv package (quotes, `export`, comments, multi-line values as dotenv defines them).
// Values are secrets as far as Portico knows: no message here or elsewhere ever shows one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'dotenv';
import { environmentError } from '../core/errors.js';
import { fileError } from '../core/fs-error.js';

/** The variables of `files` (relative to the workspace), later files overriding earlier ones. */
export async function readEnvFiles(workspaceDir: string, files: string[], setting: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const file of files) {
    const abs = path.resolve(workspaceDir, file);
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw environmentError(
          `${setting} names ${file}, which does not exist in ${workspaceDir}.`,
          `Create it (env files usually stay out of git: copy it from an example such as .env.example), or remove it from ${setting}.`,
        );
      }
      throw fileError(error, 'read', abs, `Check the permissions of ${file}.`);
    }
    Object.assign(values, parse(text));
  }
  return values;
}

/**
 * The keys of an env file that `kubectl create secret --from-env-file` would read differently
 * from dotenv: kubectl takes each `KEY=value` line literally (quotes kept, no `export `, no
 * multi-line values, trailing spaces kept). Names only: the values are never shown.
 */
export function literalReadingDiffers(text: string): string[] {
  const parsed = parse(text);
  const literal: Record<string, string> = {};
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trimStart();
    const at = line.indexOf('=');
    if (line === '' || line.startsWith('#') || at < 0) continue;
    literal[line.slice(0, at)] = line.slice(at + 1);
  }
  return Object.keys(parsed).filter((key) => literal[key] !== parsed[key]);
}
