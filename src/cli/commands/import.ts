// `portico import compose <file> [-o portico.yaml] [--name <project>] [--force] [--json]`:
// a docker-compose file becomes portico.yaml. Every key that does not map is a warning on
// stderr (and in the file's header comment); the result is validated before it is written.
// With --json, stdout carries one document:
//   {"file", "output", "project", "services": {composeName: porticoName}, "warnings": [{path, message}]}
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PorticoError, usageError } from '../../core/errors.js';
import { fileError } from '../../core/fs-error.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { importCompose } from '../../manifest/import/compose.js';
import { parseManifest } from '../../manifest/load.js';
import { semanticProblems } from '../../manifest/validate.js';

export interface ImportOptions {
  format: 'compose';
  file: string;
  output?: string;
  name?: string;
  force?: boolean;
  json?: boolean;
}

export async function run(options: ImportOptions, ctx: CommandContext): Promise<number> {
  const source = path.resolve(ctx.cwd, options.file);
  const output = path.resolve(ctx.cwd, options.output ?? 'portico.yaml');
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw usageError(`cannot read ${options.file}: ${reason}.`, 'Pass the path of a docker-compose file, e.g. `portico import compose docker-compose.yml`.');
  }
  if (existsSync(output) && !options.force) {
    throw usageError(`${path.relative(ctx.cwd, output) || output} already exists.`, 'Pass --force to replace it, or -o to write the imported manifest somewhere else.');
  }
  const imported = importCompose(text, { file: path.basename(source), name: options.name, fallbackName: path.basename(path.dirname(output)) });

  // The import must produce a manifest Portico accepts; one that does not is a bug here.
  const loaded = parseManifest(imported.text, output);
  const problems = semanticProblems(loaded, []);
  if (problems.length > 0) {
    throw new PorticoError(`the imported manifest is not valid (a bug in the importer):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, {
      hint: 'Please report it with the compose file.',
    });
  }
  try {
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, imported.text);
  } catch (error) {
    throw fileError(error, 'write', output, 'Choose another place with -o.');
  }

  const p = paint(ctx.color);
  for (const w of imported.warnings) ctx.stderr.write(`${p.yellow('warning')} ${w.path}: ${w.message}\n`);
  const summary = {
    file: source,
    output,
    project: loaded.manifest.name,
    services: imported.services,
    warnings: imported.warnings,
  };
  if (options.json) ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    const n = Object.keys(loaded.manifest.services).length;
    ctx.stdout.write(
      `${p.green('wrote')} ${path.relative(ctx.cwd, output) || output}: ${n} service${n === 1 ? '' : 's'}, ${imported.warnings.length} key${imported.warnings.length === 1 ? '' : 's'} not imported (listed above and in the file's header)\n`,
    );
    ctx.stdout.write('Next: add routes for the HTTP services, then `portico validate` and `portico up`.\n');
  }
  return 0;
}
