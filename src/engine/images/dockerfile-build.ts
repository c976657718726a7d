// Services with `build:` — any language, built from the user's own Dockerfile through the
// Docker API. The context goes as a tar of what .dockerignore lets through; the image is
// tagged portico/<project>-<service>:<hash> where the hash covers exactly the files sent, the
// Dockerfile path, the build args, the target and the ids of the base images, so an
// unchanged service skips the build. Base images are checked before the build: one that is
// absent and cannot be pulled is an environment error (exit 3) naming it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { environmentError, PorticoError } from '../../core/errors.js';
import { stableJson, type ImageSpec } from '../../compile/plan.js';
import { serviceImageRef } from '../../compile/labels.js';
import type { BuildContext, BuiltImage } from './build.js';
import { buildOrExplain } from './build-image.js';
import { contextTarEntries, listBuildContext } from './build-context.js';
import { dockerfileImages, instructions } from './dockerfile-from.js';
import { GO_IMAGE_ARG, resolveGoToolchain } from './go-toolchain.js';
import { hashFiles, shortHash } from './hash.js';
import { tarStream } from './tar.js';

type DockerfileSpec = Extract<ImageSpec, { kind: 'dockerfile' }>;

/**
 * Build arg a Dockerfile may declare (`ARG PORTICO_NODE_IMAGE`, `FROM ${PORTICO_NODE_IMAGE}`) to
 * start from the Node runtime image Portico resolved (node:<major>-slim, or the one built
 * from the host's node where no registry is reachable).
 */
export const NODE_IMAGE_ARG = 'PORTICO_NODE_IMAGE';

export async function ensureDockerfileImage(spec: DockerfileSpec, ctx: BuildContext): Promise<BuiltImage> {
  const dir = path.resolve(ctx.workspaceDir, spec.context);
  const where = `services.${spec.service}.build`;
  if (!existsSync(dir)) {
    throw new PorticoError(`service ${spec.service}: build context ${spec.context} does not exist.`, {
      hint: `Create the folder with the service's Dockerfile, or set ${where}.context to where it is (relative to portico.yaml).`,
    });
  }
  let text: string;
  try {
    text = await readFile(path.join(dir, spec.dockerfile), 'utf8');
  } catch {
    throw new PorticoError(`service ${spec.service}: no ${spec.dockerfile} in ${spec.context}.`, {
      hint: `Write the Dockerfile there, or set ${where}.dockerfile to its path inside the context.`,
    });
  }
  const args = { ...(await declaredPorticoArgs(text, spec.args, ctx)), ...spec.args };
  const { images } = dockerfileImages(text, args, spec.target);
  const baseIds: string[] = [];
  for (const image of images) baseIds.push(await ensureBaseImage(image, spec, ctx));

  const listed = await listBuildContext(dir, spec.dockerfile);
  const hash = shortHash(
    await hashFiles(dir, listed.files, [
      `dockerfile\0${path.posix.normalize(spec.dockerfile)}`,
      `target\0${spec.target ?? ''}`,
      `args\0${stableJson(args)}`,
      ...listed.symlinks.map((s) => `symlink\0${s.name}\0${s.target}`),
      ...images.map((image, i) => `base\0${image}\0${baseIds[i]}`),
    ]),
  );
  const ref = serviceImageRef(ctx.project, spec.service, hash);
  if (!ctx.force && (await ctx.docker.imageId(ref))) return { ref, outcome: 'cached' };
  try {
    await buildOrExplain(ctx, tarStream(contextTarEntries(dir, listed)), ref, `service ${spec.service}`, {
      buildargs: args,
      dockerfile: path.posix.normalize(spec.dockerfile),
      target: spec.target,
    });
  } catch (error) {
    // An image the FROM check could not see (e.g. named through a stage's own ARG) failed to pull.
    const cause = (error as { cause?: unknown }).cause;
    const image = pulledImageOf(cause instanceof Error ? cause.message : '');
    if (image) throw baseImageError(image, spec, ctx, 'the build could not pull it');
    throw error;
  }
  return { ref, outcome: 'built' };
}

/**
 * The base-image args Portico provides, each resolved only when a Dockerfile declares it and
 * portico.yaml does not set it: the Node runtime image, and the Go toolchain image (built
 * from the host's Go where no registry is reachable; the ARG's own default is what is tried
 * when the host has no Go).
 */
const PROVIDED_ARGS: Record<string, (ctx: BuildContext, declaredDefault: string | undefined) => Promise<string>> = {
  [NODE_IMAGE_ARG]: async (ctx) => ctx.runtime.ref,
  [GO_IMAGE_ARG]: async (ctx, fallback) =>
    (await resolveGoToolchain(ctx.docker, { signal: ctx.signal, report: ctx.report, version: ctx.version, fallback })).ref,
};

/** The Portico build args the Dockerfile declares (only those: Docker warns about unused ones). */
async function declaredPorticoArgs(text: string, given: Record<string, string>, ctx: BuildContext): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { keyword, args } of instructions(text)) {
    if (keyword !== 'ARG') continue;
    for (const decl of args.split(/\s+/)) {
      const [name, ...rest] = decl.split('=');
      const provide = PROVIDED_ARGS[name!];
      if (!provide || name! in given || name! in out) continue;
      out[name!] = await provide(ctx, rest.length > 0 ? rest.join('=').replace(/^(["'])(.*)\1$/, '$2') : undefined);
    }
  }
  return out;
}

/** The id of a base image, pulling it when absent; exit 3 when that fails. */
async function ensureBaseImage(image: string, spec: DockerfileSpec, ctx: BuildContext): Promise<string> {
  const present = await ctx.docker.imageId(image);
  if (present) return present;
  try {
    ctx.report.progress?.(`${spec.service}: pulling base image ${image}`);
    await ctx.docker.pullImage(image, { signal: ctx.signal, onProgress: ctx.report.progress });
  } catch (error) {
    ctx.signal?.throwIfAborted();
    throw baseImageError(image, spec, ctx, (error as Error).message);
  }
  const id = await ctx.docker.imageId(image);
  if (!id) throw baseImageError(image, spec, ctx, 'not present after the pull');
  return id;
}

export function baseImageError(image: string, spec: DockerfileSpec, ctx: Pick<BuildContext, 'runtime'>, reason: string): PorticoError {
  const dockerfile = path.posix.join(spec.context, spec.dockerfile);
  return environmentError(
    `service ${spec.service}: image ${image} (used by ${dockerfile}) is not available locally and cannot be pulled (${reason.trim()}).`,
    `Make it available, then run \`portico up\` again: load a saved copy with \`docker load -i <file>.tar\` (made by \`docker save ${image}\` where it exists), ` +
      `build it here with \`docker build -t ${image} <folder>\`, or start FROM an image you have. ` +
      `Portico's Node runtime image (${ctx.runtime.ref}) is always available: declare \`ARG ${NODE_IMAGE_ARG}\` and write \`FROM \${${NODE_IMAGE_ARG}}\`.`,
  );
}

/** The image named by the engine's message for a failed pull during a build, if it is one. */
export function pulledImageOf(message: string): string | undefined {
  const m =
    /pull access denied for ([^\s,]+)/.exec(message) ??
    /manifest for ([^\s]+) not found/.exec(message) ??
    /repository ([^\s]+) not found/.exec(message) ??
    /failed to resolve (?:source metadata for )?([^\s:]+(?::[^\s:]+)?)/.exec(message);
  return m?.[1];
}
