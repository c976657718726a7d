// Images of the stack: template services (bundled on the host with their own `npm run build`,
// then a tiny image from a tar of Dockerfile + dist/), the gateway and the registry (a
// generated Dockerfile + Portico's bundled runtime), and prebuilt images (pulled if missing).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PorticoError } from '../../core/errors.js';
import type { ImageSpec } from '../../compile/plan.js';
import { nodeHealthTest } from '../../compile/plan.js';
import { GATEWAY_CONTAINER_PORT, REGISTRY_CONTAINER_PORT } from '../../runtime/contract/index.js';
import { UI_ASSET_FILES, UI_DIR } from '../../runtime/contract/ui-assets.js';
import { runtimeDistDir } from '../../core/paths.js';
import type { DockerClient } from '../docker/client.js';
import { LABEL, runtimeImageRef, serviceImageRef } from '../../compile/labels.js';
import { hashFiles, listFiles, shortHash } from './hash.js';
import { missingImageError, type ImageReporter, type RuntimeImage } from './runtime-image.js';
import { tarStream } from './tar.js';
import { ensureDockerfileImage } from './dockerfile-build.js';
import { buildOrExplain, tail } from './build-image.js';
import { traced } from '../trace.js';
import { distLayout, findDistOverlay, type DistOverlay } from './dist-overlay.js';

export interface BuildContext {
  docker: DockerClient;
  project: string;
  version: string;
  /** Directory holding portico.yaml. */
  workspaceDir: string;
  /** .portico/state: remembers source hashes between runs. */
  stateDir: string;
  runtime: RuntimeImage;
  /** --build: rebuild even when nothing changed. */
  force: boolean;
  signal?: AbortSignal;
  report: ImageReporter;
  /**
   * Bundles a template service in place of `npm run build` (`portico dev`'s incremental esbuild
   * context); resolves false when it cannot for this service (then `npm run build` runs).
   */
  bundle?: ServiceBundler;
  /**
   * `portico dev`: per template service, the images its running containers use. A changed
   * service whose new image would differ from one of them in dist/'s contents only is not
   * built: its new containers get the bundle put onto that image (dist-overlay.ts).
   */
  overlayBases?: Record<string, string[]>;
}

export type ServiceBundler = (service: string, dir: string) => Promise<boolean>;

export interface BuiltImage {
  ref: string;
  /** What happened: built now, already present, pulled, or (dev) not built: see `overlay`. */
  outcome: 'built' | 'cached' | 'pulled' | 'present' | 'overlay';
  /** The service's `npm run build` ran this time. */
  bundled?: boolean;
  /** Set with outcome 'overlay': the image `ref` is not built; containers are made from this. */
  overlay?: DistOverlay;
}

/** Turns one ImageSpec into an image reference present in the engine. */
export async function ensureImage(spec: ImageSpec, ctx: BuildContext): Promise<BuiltImage> {
  if (spec.kind === 'pull') return ensurePulled(spec.ref, ctx);
  if (spec.kind === 'runtime') return ensureRuntimeImage(spec.runtime, ctx);
  if (spec.kind === 'dockerfile') return ensureDockerfileImage(spec, ctx);
  return ensureServiceImage(spec.service, path.resolve(ctx.workspaceDir, spec.path), ctx);
}

async function ensurePulled(ref: string, ctx: BuildContext): Promise<BuiltImage> {
  if (await ctx.docker.imageId(ref)) return { ref, outcome: 'present' };
  try {
    await ctx.docker.pullImage(ref, { signal: ctx.signal, onProgress: ctx.report.progress });
  } catch (error) {
    ctx.signal?.throwIfAborted();
    throw missingImageError(ref, error);
  }
  return { ref, outcome: 'pulled' };
}

/** Files next to a runtime's bundle that it imports on demand (scripts/build.mjs emits them). */
export const RUNTIME_COMPANION_FILES: Record<'gateway' | 'registry', string[]> = { gateway: ['gateway-openapi.mjs', 'gateway-prompts.mjs', 'gateway-mcp.mjs'], registry: [] };
/** Files a runtime serves from a folder next to its bundle: the gateway's developer portal. */
const RUNTIME_ASSET_FILES: Record<'gateway' | 'registry', string[]> = { gateway: UI_ASSET_FILES.map((f) => `${UI_DIR}/${f}`), registry: [] };

/** The Dockerfile of the gateway or registry image. */
export function runtimeDockerfile(kind: 'gateway' | 'registry', baseImage: string): string {
  const port = kind === 'gateway' ? GATEWAY_CONTAINER_PORT : REGISTRY_CONTAINER_PORT;
  const healthUrl = kind === 'gateway' ? `'http://127.0.0.1:${port}/_portico/health'` : `'http://127.0.0.1:${port}/v1/health'`;
  return [
    `FROM ${baseImage}`,
    'WORKDIR /app',
    `COPY ${[`${kind}.mjs`, ...RUNTIME_COMPANION_FILES[kind]].join(' ')} ${kind}.mjs.map* /app/`,
    ...(RUNTIME_ASSET_FILES[kind].length > 0 ? [`COPY ${UI_DIR}/ /app/${UI_DIR}/`] : []),
    'USER 1000:1000',
    'ENV NODE_ENV=production',
    `EXPOSE ${port}`,
    `HEALTHCHECK --interval=5s --timeout=3s --start-period=15s --retries=3 CMD ${JSON.stringify(nodeHealthTest(healthUrl).slice(1))}`,
    `CMD ["node", "--enable-source-maps", "/app/${kind}.mjs"]`,
    '',
  ].join('\n');
}

async function ensureRuntimeImage(kind: 'gateway' | 'registry', ctx: BuildContext): Promise<BuiltImage> {
  const bundle = path.join(runtimeDistDir(), `${kind}.mjs`);
  const shipped = [...RUNTIME_COMPANION_FILES[kind], ...RUNTIME_ASSET_FILES[kind]];
  if (![bundle, ...shipped.map((f) => path.join(runtimeDistDir(), f))].every((f) => existsSync(f))) {
    throw new PorticoError(`the ${kind} runtime is not built (${bundle} is missing).`, {
      hint: 'Run `npm run build` in the Portico package (installed packages ship it prebuilt).',
    });
  }
  const dockerfile = runtimeDockerfile(kind, ctx.runtime.ref);
  const files = [`${kind}.mjs`, ...shipped, ...(existsSync(`${bundle}.map`) ? [`${kind}.mjs.map`] : [])];
  const hash = shortHash(await hashFiles(runtimeDistDir(), files, [dockerfile, ctx.runtime.id]));
  const ref = runtimeImageRef(kind, ctx.version, hash);
  // Content-addressed by the bundle, the Dockerfile and the base image: --build has nothing to
  // refresh here (it is for the user's services).
  if (await ctx.docker.imageId(ref)) return { ref, outcome: 'cached' };
  const context = tarStream([
    { name: 'Dockerfile', content: dockerfile },
    ...files.map((f) => ({ name: f, file: path.join(runtimeDistDir(), f) })),
  ]);
  // Shared by every project on the machine: no project label.
  await buildOrExplain(ctx, context, ref, `the ${kind} image`, { labels: { [LABEL.version]: ctx.version } });
  return { ref, outcome: 'built' };
}

interface BuildState {
  /** Source hash per service at its last successful `npm run build`. */
  sources: Record<string, string>;
}

async function readState(stateDir: string): Promise<BuildState> {
  try {
    return JSON.parse(await readFile(path.join(stateDir, 'builds.json'), 'utf8')) as BuildState;
  } catch {
    return { sources: {} };
  }
}

// Services build concurrently; serialise the read-modify-write of builds.json.
let stateLock: Promise<unknown> = Promise.resolve();
function recordSourceHash(stateDir: string, service: string, hash: string | undefined): Promise<void> {
  const next = stateLock.then(async () => {
    const state = await readState(stateDir);
    if (hash === undefined) delete state.sources[service];
    else state.sources[service] = hash;
    await mkdir(stateDir, { recursive: true });
    await writeFile(path.join(stateDir, 'builds.json'), JSON.stringify(state, null, 2) + '\n');
  });
  stateLock = next.catch(() => undefined);
  return next;
}

async function ensureServiceImage(service: string, dir: string, ctx: BuildContext): Promise<BuiltImage> {
  if (!existsSync(path.join(dir, 'package.json'))) {
    throw new PorticoError(`service ${service}: no package.json in ${path.relative(ctx.workspaceDir, dir) || dir}.`, {
      hint: `Create it with \`portico create ${service}\`, set services.${service}.path, or use services.${service}.image for a prebuilt image.`,
    });
  }
  if (!existsSync(path.join(dir, 'Dockerfile'))) {
    throw new PorticoError(`service ${service}: no Dockerfile in ${path.relative(ctx.workspaceDir, dir) || dir}.`, {
      hint: 'Every template service ships one; restore it from the template (`portico templates`).',
    });
  }
  const sourceHash = await traced(`image ${service}: source hash`, async () => hashFiles(dir, await listFiles(dir)));
  const state = await readState(ctx.stateDir);
  let bundled = false;
  if (ctx.force || state.sources[service] !== sourceHash || !existsSync(path.join(dir, 'dist'))) {
    // Forget the old hash first: an interrupted build may leave a half-written dist/ that
    // must not pass for up to date next time.
    if (state.sources[service] !== undefined) await recordSourceHash(ctx.stateDir, service, undefined);
    await traced(`image ${service}: bundle`, async () => {
      if (!(await ctx.bundle?.(service, dir))) await bundleService(service, dir, ctx);
    });
    await recordSourceHash(ctx.stateDir, service, sourceHash);
    bundled = true;
  }
  const distFiles = (await listFiles(path.join(dir, 'dist'), false)).map((f) => `dist/${f}`);
  const contextFiles = ['Dockerfile', ...distFiles];
  const hash = shortHash(await traced(`image ${service}: dist hash`, () => hashFiles(dir, contextFiles, [ctx.runtime.id])));
  const ref = serviceImageRef(ctx.project, service, hash);
  if (!ctx.force && (await ctx.docker.imageId(ref))) return { ref, outcome: 'cached', bundled };
  const dockerfile = await readFile(path.join(dir, 'Dockerfile'), 'utf8');
  const layout = distLayout(dockerfile, ctx.runtime, distFiles);
  const bases = ctx.overlayBases?.[service];
  const overlay = bases && !ctx.force ? await findDistOverlay(ctx.docker, { dockerfile, layout, images: bases, dir, distFiles }) : undefined;
  if (overlay) return { ref, outcome: 'overlay', bundled, overlay };
  const context = tarStream(contextFiles.map((f) => ({ name: f, file: path.join(dir, f) })));
  const labels = { [LABEL.project]: ctx.project, [LABEL.version]: ctx.version, [LABEL.distLayout]: layout };
  await traced(`image ${service}: docker build`, () => buildOrExplain(ctx, context, ref, `service ${service}`, { buildargs: { BASE_IMAGE: ctx.runtime.ref }, labels }));
  return { ref, outcome: 'built', bundled };
}

/** `npm install` when dependencies are declared but not installed, then `npm run build`. */
async function bundleService(service: string, dir: string, ctx: BuildContext): Promise<void> {
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
    dependencies?: object;
    devDependencies?: object;
  };
  const hasDeps = Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length > 0;
  const run = async (args: string[]) => {
    ctx.report.progress?.(`${service}: npm ${args.join(' ')}`);
    const result = await execa('npm', args, { cwd: dir, all: true, reject: false, cancelSignal: ctx.signal, env: { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
    ctx.signal?.throwIfAborted();
    if (result.exitCode !== 0) {
      throw new PorticoError(`service ${service}: \`npm ${args.join(' ')}\` failed (exit ${result.exitCode}):\n${tail(String(result.all ?? ''), 30)}`, {
        hint: `Run \`npm ${args.join(' ')}\` in ${dir} to see the full output, fix it, then \`portico up\` again.`,
      });
    }
  };
  if (hasDeps && !existsSync(path.join(dir, 'node_modules'))) await run(['install', '--no-audit', '--no-fund']);
  if (!pkg.scripts?.build) {
    throw new PorticoError(`service ${service}: package.json has no "build" script.`, {
      hint: 'Template services bundle into dist/ with `npm run build`; add the script (see the template).',
    });
  }
  await run(['run', 'build']);
}
