// `portico validate [--json]`: schema and semantic checks of portico.yaml. Exit 2 when invalid.
// With --json, stdout carries exactly one document:
//   {"valid": bool, "file": string|null, "problems": [{path, message, line, column}]}
// Warnings (exit 0, on stderr also with --json, whose document keeps its shape): routes that
// serve paths their workspace OpenAPI file does not describe.
import path from 'node:path';
import { ManifestError } from '../../manifest/load.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import type { LoadedManifest } from '../../manifest/load.js';
import { openApiCoverageWarnings } from '../../compile/openapi-coverage.js';
import { readOpenApiFiles } from '../../workspace/read-openapi-files.js';
import type { CommandContext } from '../context.js';
import { ExitCode, PorticoError } from '../../core/errors.js';
import { handleError } from '../handle-error.js';
import { paint } from '../ui/paint.js';

export interface ValidateCommandOptions {
  json?: boolean;
}

export async function run(options: ValidateCommandOptions, ctx: CommandContext): Promise<number> {
  if (!options.json) {
    const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
    await printWarnings(loaded, ctx);
    const services = Object.values(loaded.manifest.services);
    const routes = services.reduce((n, s) => n + s.routes.length, 0);
    ctx.stdout.write(
      `${paint(ctx.color).green('✓')} ${path.relative(ctx.cwd, loaded.file) || loaded.file} is valid (${plural(services.length, 'service')}, ${plural(routes, 'route')})\n`,
    );
    return ExitCode.OK;
  }
  try {
    const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
    await printWarnings(loaded, ctx);
    ctx.stdout.write(`${JSON.stringify({ valid: true, file: loaded.file, problems: [] })}\n`);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof ManifestError) {
      ctx.stdout.write(`${JSON.stringify({ valid: false, file: error.file, problems: error.problems })}\n`);
      return handleError(error, ctx); // the human message, on stderr
    }
    // No manifest at all (or unreadable): still one JSON document, and the usual exit code.
    if (error instanceof PorticoError && error.exitCode === ExitCode.USAGE) {
      ctx.stdout.write(`${JSON.stringify({ valid: false, file: null, problems: [{ path: '', message: error.message, line: 0, column: 0 }] })}\n`);
      return handleError(error, ctx);
    }
    throw error;
  }
}

/** Routes serving paths their workspace OpenAPI file does not describe, as file:line:column on stderr. */
async function printWarnings(loaded: LoadedManifest, ctx: CommandContext): Promise<void> {
  const rel = path.relative(ctx.cwd, loaded.file) || loaded.file;
  for (const w of openApiCoverageWarnings(loaded.manifest, await readOpenApiFiles(loaded))) {
    const { line, column } = loaded.locate(w.path);
    ctx.stderr.write(`${paint(ctx.color).yellow('warning')} ${rel}:${line}:${column} ${w.path.join('.')}: ${w.message}\n`);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
