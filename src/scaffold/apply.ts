// The write edge shared by `init` and `create`: flush the recorded tree (refusing conflicts
// unless --force), then regenerate .portico/* from the manifest now on disk; or, for
// --dry-run, print the plan and write nothing.
import path from 'node:path';
import { ExitCode } from '../core/errors.js';
import { writeGeneratedFiles } from '../workspace/generated-files.js';
import type { LoadedManifest } from '../manifest/load.js';
import { conflictError, formatPlan, type FileTree } from './tree.js';

export interface Applied {
  /** Paths written, relative to the tree root. */
  written: string[];
  /** Generated files rewritten, relative to the workspace root. */
  generated: string[];
}

export async function applyTree(tree: FileTree, loaded: LoadedManifest, options: { force?: boolean }): Promise<Applied> {
  const written = await tree.flush({ force: options.force });
  const { written: generated } = await writeGeneratedFiles(loaded);
  return { written, generated };
}

/** Prints what would be written; conflicts (without --force) then fail with exit 2 as a real run would. */
export async function printDryRun(
  ctx: { stdout: NodeJS.WritableStream; cwd: string },
  tree: FileTree,
  loaded: LoadedManifest,
  options: { force?: boolean },
): Promise<number> {
  const planned = await tree.plan();
  const generatedDir = path.relative(ctx.cwd, path.join(loaded.dir, '.portico')) || '.portico';
  ctx.stdout.write(`Dry run: nothing was written. The command would:\n${formatPlan(tree.root, planned, ctx.cwd)}\n  and regenerate ${generatedDir}/ (gateway.json, discovery.json, portico.schema.json).\n`);
  const conflicts = planned.filter((c) => c.effect === 'conflict').map((c) => c.path);
  if (conflicts.length > 0 && !options.force) throw conflictError(tree.root, conflicts);
  return ExitCode.OK;
}
