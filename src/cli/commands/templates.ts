// `portico templates [--json]`: the service templates `portico create --template` accepts.
import { DEFAULT_TEMPLATE, listTemplates, templatesRootFor } from '../../scaffold/catalog.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../../core/errors.js';
import { paint } from '../ui/paint.js';

export interface TemplatesOptions {
  json?: boolean;
}

export async function run(options: TemplatesOptions, ctx: CommandContext): Promise<number> {
  const templates = await listTemplates(templatesRootFor(ctx.env));
  if (options.json) {
    const out = templates.map(({ id, description, defaultPort, language }) => ({ id, description, defaultPort, language, default: id === DEFAULT_TEMPLATE }));
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return ExitCode.OK;
  }
  if (templates.length === 0) {
    ctx.stderr.write('no templates found (the package is incomplete; reinstall Portico)\n');
    return ExitCode.FAILED;
  }
  const p = paint(ctx.color);
  const width = Math.max(...templates.map((t) => t.id.length));
  for (const t of templates) {
    const tag = t.id === DEFAULT_TEMPLATE ? p.dim(' (default)') : '';
    ctx.stdout.write(`${p.bold(t.id.padEnd(width))}  ${t.description}${tag}\n`);
  }
  ctx.stdout.write(p.dim(`\nUse one with: portico create <name> --template <id>\n`));
  return ExitCode.OK;
}
