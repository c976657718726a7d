// `portico up [service...] [--wait] [--timeout s] [--build] [--json]`
import { VERSION } from '../../core/version.js';
import { ExitCode, ReportedError, usageError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { progressReporter } from '../ui/progress.js';
import { printUpFailure } from '../ui/up-failure.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { assertPortsFree } from '../../engine/ports.js';
import { selectServices } from '../../compile/plan.js';
import { UpFailure, upStack, type UpResult } from '../../engine/stack-up.js';
import { withWorkspaceFiles } from '../../engine/workspace-files.js';

export interface UpOptions {
  service?: string[];
  wait?: boolean;
  timeout?: string;
  build?: boolean;
  json?: boolean;
  /** `up --watch`: continue as `portico dev`. */
  watch?: boolean;
}

export function parseTimeout(value: string | undefined): number {
  const seconds = Number(value ?? '120');
  if (!Number.isFinite(seconds) || seconds <= 0) throw usageError(`--timeout must be a positive number of seconds, got "${value}".`);
  return Math.round(seconds * 1000);
}

/** `--wait` is the default when stdout is not a terminal (scripts and CI want to know it worked). */
export function shouldWait(flag: boolean | undefined, ctx: Pick<CommandContext, 'stdout'>): boolean {
  return flag ?? !(ctx.stdout as NodeJS.WriteStream).isTTY;
}

export async function run(options: UpOptions, ctx: CommandContext): Promise<number> {
  if (options.watch) {
    if (options.json || (options.service ?? []).length > 0) throw usageError('--watch takes no services and no --json.', 'Run `portico dev` (or `portico up --watch`) for the whole stack.');
    return (await import('./dev.js')).run(options, ctx);
  }
  return bringUp(options, ctx, 'stack');
}

/** Shared by `up` and `gateway up`: pre-flight, then the stack, then the summary. */
export async function bringUp(options: UpOptions, ctx: CommandContext, scope: 'stack' | 'gateway'): Promise<number> {
  const timeoutMs = parseTimeout(options.timeout);
  // Pre-flight, before anything is created: Docker (exit 3), manifest (exit 2), port (exit 3).
  const docker = await getDockerClient();
  const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
  const manifest = loaded.manifest;
  const only = options.service ?? [];
  const unknown = only.filter((s) => !(s in manifest.services));
  if (unknown.length > 0) {
    throw usageError(`unknown service${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.`, `Services in portico.yaml: ${Object.keys(manifest.services).join(', ') || '(none)'}.`);
  }
  const exposed = scope === 'gateway' ? [] : selectServices(manifest, only).flatMap((name) =>
    manifest.services[name]!.expose.map((port) => ({ bind: '127.0.0.1', port, service: name, what: `port ${port} (exposed by ${name})`, setting: `services.${name}.expose` })),
  );
  await assertPortsFree(docker, manifest.name, [
    { bind: manifest.gateway.bind, port: manifest.gateway.port, service: 'gateway', what: `gateway port ${manifest.gateway.port}`, setting: 'gateway.port' },
    ...exposed,
  ]);

  const json = options.json ?? false;
  const progress = progressReporter(ctx, { json });
  // Env-file values and absolute mount paths of the services this run starts (in memory only).
  const withFiles = await withWorkspaceFiles(loaded, scope === 'gateway' ? [] : selectServices(manifest, only));
  const result = await upStack({
    docker,
    loaded: withFiles,
    only,
    scope,
    wait: shouldWait(options.wait, ctx),
    timeoutMs,
    build: options.build ?? false,
    version: VERSION,
    env: ctx.env,
    signal: ctx.signal,
    report: progress.report,
  }).catch(async (error: unknown) => {
    await progress.end();
    if (!(error instanceof UpFailure)) throw error;
    // Human explanation with the progress (stderr with --json); CI reads stdout: with --json
    // a failed wait is still one document saying what failed.
    printUpFailure(json ? ctx.stderr : ctx.stdout, error, ctx.color);
    if (json) {
      const { status, ...failure } = error.details;
      ctx.stdout.write(JSON.stringify({ ...status, ok: false, failure }, null, 2) + '\n');
    }
    throw new ReportedError(ExitCode.FAILED, error.message);
  });
  await progress.end();
  if (options.json) ctx.stdout.write(JSON.stringify(toJson(result), null, 2) + '\n');
  else printSummary(result, ctx);
  return 0;
}

function toJson(r: UpResult) {
  return { ...r.status, ok: true, actions: r.actions, images: r.images, runtimeImage: r.runtimeImage, orphans: r.orphans, warnings: r.warnings };
}

function printSummary(r: UpResult, ctx: CommandContext) {
  const p = paint(ctx.color);
  const a = r.actions;
  const parts = [
    a.created && `${a.created} created`,
    a.recreated && `${a.recreated} recreated`,
    a.started && `${a.started} started`,
    a.removed && `${a.removed} removed`,
    a.unchanged && `${a.unchanged} unchanged`,
  ].filter(Boolean);
  ctx.stdout.write(`${p.green('✔')} ${r.status.project}: ${parts.join(', ') || 'nothing to do'}\n`);
  ctx.stdout.write(`Gateway: ${p.bold(r.status.gateway.url ?? '(not running)')}\n`);
}
