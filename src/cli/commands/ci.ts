// `portico ci`: prints the GitHub Actions workflow `portico init` writes to
// .github/workflows/portico.yml (both render templates/workspace: one source of truth).
import path from 'node:path';
import { ExitCode } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { findManifest, loadManifest } from '../../manifest/load.js';
import { toDnsName } from '../../manifest/names.js';
import { renderWorkflow, workspaceVars, WORKFLOW_FILE } from '../../scaffold/workspace.js';

export async function run(_options: unknown, ctx: CommandContext): Promise<number> {
  // Inside a workspace the project name comes from portico.yaml; elsewhere from the folder.
  const name = (await findManifest(ctx.cwd)) ? (await loadManifest(ctx.cwd)).manifest.name : toDnsName(path.basename(ctx.cwd)) || 'app';
  ctx.stdout.write(await renderWorkflow(workspaceVars(name)));
  if (ctx.interactive) ctx.stderr.write(`\n# save as ${WORKFLOW_FILE} (portico init writes it for you)\n`);
  return ExitCode.OK;
}
