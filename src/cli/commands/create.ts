// `portico create <name>` (also the `create-service` bin): scaffold services/<name> from a
// template, add it to portico.yaml, regenerate .portico/*, then `npm install` in the service
// (Node templates; one built by its own Dockerfile has nothing to install).
// Everything is checked and rendered in memory first: a refused command writes nothing.
import path from 'node:path';
import { ExitCode, PorticoError, environmentError, usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { inquirerPrompter, type Prompter } from '../ui/prompter.js';
import { findManifest, MANIFEST_FILE, type LoadedManifest } from '../../manifest/load.js';
import { toDnsName } from '../../manifest/names.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import { listTemplates, templatesRootFor } from '../../scaffold/catalog.js';
import { applyTree, printDryRun } from '../../scaffold/apply.js';
import { checkTargetFree, planService, resolveChoices, serviceFolder, type Choices } from '../../scaffold/create-service.js';
import { checkServiceName, parsePort, parseReplicas, parseRoute } from '../../scaffold/inputs.js';
import { FileTree } from '../../scaffold/tree.js';
import { workspaceInTree } from '../../scaffold/workspace.js';

export interface CreateOptions {
  name: string;
  template?: string;
  port?: string;
  route?: string;
  replicas?: string;
  /** false with --no-install */
  install?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
}

export async function run(options: CreateOptions, ctx: CommandContext, prompter: Prompter = inquirerPrompter(ctx)): Promise<number> {
  // Everything the command line says is checked before any question or file.
  const name = checkServiceName(options.name ?? '');
  const flags = {
    template: options.template,
    port: options.port === undefined ? undefined : parsePort(options.port),
    route: options.route === undefined ? undefined : parseRoute(options.route),
    replicas: options.replicas === undefined ? undefined : parseReplicas(options.replicas),
  };
  const interactive = ctx.interactive && !options.yes;

  const found = await findManifest(ctx.cwd);
  const tree = new FileTree(found ? path.dirname(found) : ctx.cwd);
  // An existing manifest must be valid before we add to it, so its own problems are reported as such.
  const loaded = found ? await loadValidManifest(ctx.cwd, { env: ctx.env }) : await newWorkspace(tree, ctx, options, interactive, prompter);

  await checkTargetFree(loaded, name, { force: options.force });
  const templates = await listTemplates(templatesRootFor(ctx.env));
  const choices = await resolveChoices(flags, { name, manifest: loaded.manifest, templates, interactive, prompter });
  const next = await planService(tree, loaded, name, choices, templates.map((t) => t.id));

  if (options.dryRun) return printDryRun(ctx, tree, next, { force: options.force });
  await applyTree(tree, next, { force: options.force });

  const serviceDir = path.join(next.dir, serviceFolder(name));
  // A template built by its own Dockerfile (go-net-http) has nothing to install on the host.
  const install = choices.template.build === 'host' && options.install !== false;
  if (install) await npmInstall(serviceDir, ctx);
  printNextSteps(ctx, { name, serviceDir, choices, workspace: next, createdWorkspace: !found, installed: install || choices.template.build !== 'host' });
  return ExitCode.OK;
}

/** No portico.yaml above cwd: create a workspace in cwd (with --yes, or when the user agrees). */
async function newWorkspace(tree: FileTree, ctx: CommandContext, options: CreateOptions, interactive: boolean, prompter: Prompter): Promise<LoadedManifest> {
  const hint = `Run \`portico init\` to create a workspace first, pass --yes to create one in ${ctx.cwd}, or use -C <dir> to point at an existing one.`;
  const agreed =
    options.yes || (interactive && (await prompter.confirm(`No ${MANIFEST_FILE} in ${ctx.cwd} or its parents. Create a workspace here?`, true)));
  if (!agreed) throw usageError(`no ${MANIFEST_FILE} found in ${ctx.cwd} or any parent directory, so there is no workspace to add "${options.name}" to. Nothing was written.`, hint);
  const projectName = toDnsName(path.basename(ctx.cwd));
  if (!projectName) throw usageError(`cannot make a project name from the folder name "${path.basename(ctx.cwd)}". Nothing was written.`, 'Run `portico init --name <project>` first.');
  return workspaceInTree(tree, projectName);
}

async function npmInstall(dir: string, ctx: CommandContext): Promise<void> {
  const rel = path.relative(ctx.cwd, dir) || '.';
  ctx.stderr.write(`Installing dependencies in ${rel} (npm install)...\n`);
  // Loaded here, not at the top: `create --no-install` should not pay for parsing execa.
  const { execa } = await import('execa');
  try {
    const child = execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env: ctx.env, all: true, cancelSignal: ctx.signal, stdin: 'ignore' });
    child.all?.pipe(ctx.stderr, { end: false });
    await child;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; isCanceled?: boolean };
    if (e.isCanceled) throw new PorticoError('interrupted during npm install.', { exitCode: ExitCode.INTERRUPTED });
    if (e.code === 'ENOENT') {
      throw environmentError(`the service was created in ${rel}, but npm was not found to install its dependencies.`, `Install Node.js 20 with npm, then run \`npm install\` in ${rel}.`);
    }
    throw new PorticoError(`the service was created in ${rel} and added to ${MANIFEST_FILE}, but \`npm install\` failed (exit ${e.exitCode ?? '?'}).`, {
      hint: `Fix the problem shown above and run \`npm install\` in ${rel}; the rest is done.`,
    });
  }
}

function printNextSteps(
  ctx: CommandContext,
  info: { name: string; serviceDir: string; choices: Choices; workspace: LoadedManifest; createdWorkspace: boolean; installed: boolean },
): void {
  const rel = (p: string) => path.relative(ctx.cwd, p) || '.';
  const { choices, workspace } = info;
  // Commands in one column, what they do in the next.
  const steps: [string, string][] = [
    [`cd ${rel(info.serviceDir)}${info.installed ? '' : ' && npm install'} && ${choices.template.testCommand}`, "run the service's own tests"],
    ['portico up', 'build and start the stack, wait until healthy'],
    [`curl http://127.0.0.1:${workspace.manifest.gateway.port}${choices.route.replace(/\/+$/, '')}/items`, 'call it through the gateway'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  const lines = [
    ...(info.createdWorkspace ? [`Created workspace "${workspace.manifest.name}" in ${workspace.dir}.`] : []),
    `Created ${rel(info.serviceDir)} from template ${choices.template.id} (port ${choices.port}, route ${choices.route}) and added it to ${rel(workspace.file)}.`,
    '',
    'Next steps:',
    ...steps.map(([command, what]) => `  ${command.padEnd(width)}   ${what}`),
  ];
  ctx.stdout.write(`${lines.join('\n')}\n`);
}
