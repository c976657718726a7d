// `portico generate [--check]`: writes .portico/gateway.json, discovery.json and
// portico.schema.json from portico.yaml; --check writes nothing and fails when they are stale.
import { checkGeneratedFiles, writeGeneratedFiles } from '../../workspace/generated-files.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import type { CommandContext } from '../context.js';
import { ExitCode, PorticoError } from '../../core/errors.js';
import { paint } from '../ui/paint.js';

export interface GenerateOptions {
  check?: boolean;
}

export async function run(options: GenerateOptions, ctx: CommandContext): Promise<number> {
  const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
  const p = paint(ctx.color);
  if (options.check) {
    const stale = await checkGeneratedFiles(loaded);
    if (stale.length > 0) {
      throw new PorticoError(
        `generated files are out of date with portico.yaml:\n${stale.map((s) => `  ${s.relativePath} (${s.state})`).join('\n')}`,
        { exitCode: ExitCode.FAILED, hint: 'Run `portico generate` and commit the result.', details: { stale } },
      );
    }
    ctx.stdout.write(`${p.green('✓')} generated files are up to date\n`);
    return ExitCode.OK;
  }
  const { written } = await writeGeneratedFiles(loaded);
  if (written.length === 0) ctx.stdout.write(`${p.green('✓')} generated files are up to date\n`);
  for (const file of written) ctx.stdout.write(`${p.green('wrote')} ${file}\n`);
  return ExitCode.OK;
}
