// `portico init [dir]`: a new workspace (portico.yaml, README, .gitignore, .env.example, the CI
// workflow) and its generated .portico/* files. Existing files with other content are
// conflicts: nothing is written unless --force.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { inquirerPrompter, type Prompter } from '../ui/prompter.js';
import { toDnsName } from '../../manifest/names.js';
import { applyTree } from '../../scaffold/apply.js';
import { projectNameProblem } from '../../scaffold/inputs.js';
import { FileTree } from '../../scaffold/tree.js';
import { workspaceInTree } from '../../scaffold/workspace.js';

export interface InitOptions {
  dir?: string;
  name?: string;
  yes?: boolean;
  force?: boolean;
}

export async function run(options: InitOptions, ctx: CommandContext, prompter: Prompter = inquirerPrompter(ctx)): Promise<number> {
  const target = path.resolve(ctx.cwd, options.dir ?? '.');
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw usageError(`${target} is a file, not a directory. Nothing was written.`, 'Pass a new or existing directory to `portico init`.');
  }

  const name = await projectName(options, target, ctx.interactive && !options.yes, prompter);
  const tree = new FileTree(target);
  const loaded = await workspaceInTree(tree, name);
  const { written, generated } = await applyTree(tree, loaded, { force: options.force });

  const rel = path.relative(ctx.cwd, target) || '.';
  if (written.length === 0 && generated.length === 0) {
    ctx.stdout.write(`Workspace "${name}" in ${rel} is already set up: every file is as \`portico init\` would write it.\n`);
    return ExitCode.OK;
  }
  const files = [...written, ...generated].map((f) => `  ${path.join(rel, f)}`).join('\n');
  ctx.stdout.write(
    `Created workspace "${name}" in ${rel}:\n${files}\n\nNext steps:\n` +
      (rel === '.' ? '' : `  cd ${rel}\n`) +
      '  portico create orders --route /api/orders   scaffold a service\n' +
      '  portico up                                  build and start the stack\n',
  );
  return ExitCode.OK;
}

/** --name, else a prompt (interactive only), else the folder name made DNS-safe. */
async function projectName(options: InitOptions, target: string, interactive: boolean, prompter: Prompter): Promise<string> {
  if (options.name !== undefined) {
    const problem = projectNameProblem(options.name);
    if (problem) throw usageError(`${problem} Nothing was written.`, 'Pass --name with a name like "shop".');
    return options.name;
  }
  const derived = toDnsName(path.basename(target));
  if (interactive) return prompter.input('Project name', derived || 'app', (v) => projectNameProblem(v) ?? true);
  if (!derived) {
    throw usageError(`cannot make a project name from the folder name "${path.basename(target)}". Nothing was written.`, 'Pass --name <project>, e.g. --name shop.');
  }
  return derived;
}
