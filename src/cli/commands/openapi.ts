// `portico openapi [-o file]`: the merged OpenAPI document of the running stack (the gateway's
// GET /_portico/openapi.json), for client generators. stdout, or the file -o names.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MERGED_OPENAPI_PATH } from '../../runtime/contract/catalog-api.js';
import { fileError } from '../../core/fs-error.js';
import { getGatewayAdmin } from '../../engine/gateway-admin.js';
import type { CommandContext } from '../context.js';

export async function run(options: { output?: string }, ctx: CommandContext): Promise<number> {
  const document = (await getGatewayAdmin(ctx.cwd, MERGED_OPENAPI_PATH)) as { paths?: Record<string, unknown> };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (options.output === undefined) {
    ctx.stdout.write(text);
    return 0;
  }
  const target = path.resolve(ctx.cwd, options.output);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    // Written whole then renamed: a generator watching the file never reads half of it.
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, target);
  } catch (error) {
    throw fileError(error, 'write', target, 'Choose another path with -o.');
  }
  ctx.stderr.write(`wrote ${path.relative(ctx.cwd, target) || target} (${Object.keys(document.paths ?? {}).length} paths)\n`);
  return 0;
}
