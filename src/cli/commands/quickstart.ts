// `portico quickstart [dir] [--yes] [--no-up] [--port <n>]`: the README's "run it" command.
// Builds a demo workspace through the same code as `portico init` and `portico create`
// (their command modules, called in-process), protects one route with an API key written to
// .env, then `portico up --wait` and prints a ready-to-paste curl per route.
//
// Every step converges: re-run on its own workspace, quickstart only adds what is missing
// and starts it again, so an interrupted first run is finished by a second one.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import path from 'node:path';
import { parse } from 'yaml';
import { ExitCode, PorticoError, usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { inquirerPrompter, type Prompter } from '../ui/prompter.js';
import { portProblem } from '../../scaffold/inputs.js';
import { workspaceVars } from '../../scaffold/workspace.js';
import { canBind } from '../../engine/ports.js';
import { existingAdminToken } from '../../engine/workspace.js';
import { dashboardLinks } from './dashboard.js';
import {
  apiKeyEnvName,
  applyDemoSettings,
  DEFAULT_GATEWAY_PORT,
  DEMO_SERVICES,
  gatewayUrl,
  isQuickstartManifest,
  markManifest,
  readEnvValue,
  routeExamples,
  summary,
  withEnvValue,
} from '../../quickstart/demo.js';

export interface QuickstartOptions {
  dir?: string;
  yes?: boolean;
  /** false with --no-up. */
  up?: boolean;
  /** Gateway host port (default 8080, or the next free one). */
  port?: string;
  /** Health wait for `up`, seconds. */
  timeout?: string;
}

const MANIFEST = 'portico.yaml';
/** How far past 8080 quickstart looks for a free gateway port when none was given. */
const PORT_SEARCH = 20;

export async function run(options: QuickstartOptions, ctx: CommandContext, prompter: Prompter = inquirerPrompter(ctx)): Promise<number> {
  const p = paint(ctx.color);
  const dirArg = options.dir ?? 'portico-demo';
  const dir = path.resolve(ctx.cwd, dirArg);
  const explicitPort = options.port === undefined ? undefined : parsePort(options.port);
  const step = (text: string) => ctx.stderr.write(`${p.green('✔')} ${text}\n`);

  const state = await workspaceState(dir);
  if (state === 'foreign') {
    throw usageError(
      `${dirArg} already exists and is not a quickstart workspace; quickstart writes only into a new or empty directory.`,
      `Pick another directory: \`${ctx.programName} quickstart <dir>\`. To start an existing workspace, run \`portico up\` in it.`,
    );
  }
  const question = `Create a demo workspace in ${dir}${options.up !== false ? ' and start it with Docker' : ''}?`;
  if (ctx.interactive && !options.yes && !(await prompter.confirm(question, true))) {
    ctx.stderr.write('cancelled; nothing was changed.\n');
    return ExitCode.FAILED;
  }

  const ws: CommandContext = { ...ctx, cwd: dir };
  // init/create print "next steps" meant for someone building a workspace by hand; the
  // quickstart prints its own. Their warnings and errors (stderr) still show.
  const quiet: CommandContext = { ...ws, stdout: discard(), interactive: false };

  if (state === 'new') {
    await mkdir(dir, { recursive: true });
    // init names the project after the folder (portico-demo -> project portico-demo).
    await runCommand('init', { dir: '.', yes: true, args: [] }, quiet);
    await editFile(path.join(dir, MANIFEST), markManifest);
    step(`workspace ${dirArg} (portico init)`);
  } else {
    step(`workspace ${dirArg} already exists: reusing it`);
  }

  for (const service of DEMO_SERVICES) {
    if (await hasService(dir, service.name)) continue;
    await runCommand(
      'create',
      { name: service.name, template: service.template, route: service.route, install: true, yes: true, args: [service.name] },
      quiet,
    );
    step(`service ${service.name} (${service.template}, route ${service.route}${service.protected ? ', API key required' : ''})`);
  }

  const manifest = await readManifest(dir);
  const port = explicitPort ?? (state === 'new' ? await freePort(ctx) : manifest.gateway?.port ?? DEFAULT_GATEWAY_PORT);
  const keyEnv = apiKeyEnvName(workspaceVars(manifest.name).envPrefix);
  await editFile(path.join(dir, MANIFEST), (text) => applyDemoSettings(text, { port, keyEnv }));
  const apiKey = await ensureApiKey(path.join(dir, '.env'), keyEnv);
  step(`gateway on port ${port}, ${keyEnv} in .env`);

  await runCommand('generate', { args: [] }, quiet);

  const up = options.up !== false;
  if (up) {
    // up's progress and summary go to stderr: stdout carries only the closing message,
    // so `portico quickstart --yes > demo.txt` keeps the ready-to-paste commands.
    const code = await runCommand('up', { service: [], args: [], wait: true, timeout: options.timeout ?? '120' }, { ...ws, stdout: ctx.stderr });
    if (code !== ExitCode.OK) return code;
  }

  const url = gatewayUrl(manifest.gateway?.bind ?? '127.0.0.1', port);
  const dirForHumans = path.relative(ctx.cwd, dir) || '.';
  // The portal's login link: the admin token `up` just created, in the link's fragment (docs/portal.md).
  const token = up ? await existingAdminToken(dir) : null;
  const portalLogin = token === null ? undefined : dashboardLinks(url, token).login;
  ctx.stdout.write('\n' + summary({ url, examples: routeExamples(url, apiKey), dirForHumans, keyEnv, running: up, portalLogin }));
  return ExitCode.OK;
}

type WorkspaceState = 'new' | 'quickstart' | 'foreign';

async function workspaceState(dir: string): Promise<WorkspaceState> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'new';
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'foreign';
    throw error;
  }
  if (entries.length === 0) return 'new';
  const manifest = await readFile(path.join(dir, MANIFEST), 'utf8').catch(() => '');
  return isQuickstartManifest(manifest) ? 'quickstart' : 'foreign';
}

/** Runs another command's module in-process: the same code `portico <name>` runs. */
async function runCommand(name: 'init' | 'create' | 'generate' | 'up', options: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const modules = {
    init: () => import('./init.js'),
    create: () => import('./create.js'),
    generate: () => import('./generate.js'),
    up: () => import('./up.js'),
  };
  const mod = (await modules[name]()) as { run: (o: unknown, c: CommandContext) => Promise<number | void> };
  const code = (await mod.run(options, ctx)) ?? ExitCode.OK;
  if (code !== ExitCode.OK && name !== 'up') {
    throw new PorticoError(`\`portico ${name}\` failed while building the demo workspace (exit ${code}); see above.`, {
      exitCode: code as 1 | 2 | 3,
      hint: 'Fix what it reported and run `portico quickstart` again: it continues where it stopped.',
    });
  }
  return code;
}

async function editFile(file: string, edit: (text: string) => string): Promise<void> {
  const before = await readFile(file, 'utf8');
  const after = edit(before);
  if (after !== before) await writeFile(file, after);
}

interface ManifestFields {
  name: string;
  gateway?: { port?: number; bind?: string };
  services?: Record<string, unknown>;
}

async function readManifest(dir: string): Promise<ManifestFields> {
  return parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as ManifestFields;
}

async function hasService(dir: string, name: string): Promise<boolean> {
  const services = (await readManifest(dir)).services ?? {};
  return Object.hasOwn(services, name);
}

/** The demo key's value: kept from .env when present, else generated and appended (mode 0600). */
async function ensureApiKey(envFile: string, keyEnv: string): Promise<string> {
  const text = await readFile(envFile, 'utf8').catch(() => '');
  const existing = readEnvValue(text, keyEnv);
  if (existing) return existing;
  const value = randomBytes(24).toString('base64url');
  await writeFile(envFile, withEnvValue(text, keyEnv, value, 'API key of the quickstart demo (send it as the x-api-key header)'));
  await chmod(envFile, 0o600);
  return value;
}

/** The gateway's host port from --port (the service-port check of `create`, with its own hint). */
function parsePort(value: string): number {
  const problem = portProblem(value);
  if (problem) throw usageError(`--port: ${problem} Nothing was written.`, 'Pass the host port for the demo gateway, e.g. --port 8081.');
  return Number(value);
}

/** 8080 when it is free, else the next free port (said once), so a busy 8080 does not stop the demo. */
async function freePort(ctx: CommandContext): Promise<number> {
  for (let port = DEFAULT_GATEWAY_PORT; port < DEFAULT_GATEWAY_PORT + PORT_SEARCH; port++) {
    if (await canBind('127.0.0.1', port)) {
      if (port !== DEFAULT_GATEWAY_PORT) ctx.stderr.write(`port ${DEFAULT_GATEWAY_PORT} is taken; the demo gateway uses ${port}.\n`);
      return port;
    }
  }
  throw new PorticoError(`ports ${DEFAULT_GATEWAY_PORT}-${DEFAULT_GATEWAY_PORT + PORT_SEARCH - 1} are all taken.`, {
    exitCode: ExitCode.ENVIRONMENT,
    hint: 'Pass a free one: `portico quickstart --port <n>`.',
  });
}

function discard(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
