// `portico dev`'s fast path for template services. A reload used to build a new image on every
// save, and that Docker build (copying dist/ onto the runtime image) was most of the reload.
// Instead the new container is created from the image the service runs now and the fresh
// dist/ is put into it (the archive API) before it starts. That gives the container exactly
// the files a build would give it when the two images can differ in dist/'s contents only:
//   - the same Dockerfile, runtime image and dist/ file names: the `dev.portico.dist-layout`
//     label every built service image carries is a hash of those (`distLayout`);
//   - a Dockerfile that copies dist/ once, with nothing after it that touches the file system
//     (`distCopyTarget`; the template's `COPY dist/ ./dist/` then USER, EXPOSE, HEALTHCHECK,
//     CMD).
// The new container's config hash still names the image a build would tag, so the next `up`
// (or `restart`, `export`) builds that image, content-addressed as always, and sees the
// container as the one it wants. Anything else (another Dockerfile, a new file in dist/, an
// image built before the label existed) builds as before.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { stableJson } from '../../compile/plan.js';
import { LABEL } from '../../compile/labels.js';
import type { DockerClient } from '../docker/client.js';
import { instructions } from './dockerfile-from.js';
import type { RuntimeImage } from './runtime-image.js';
import { tarStream } from './tar.js';
import { standbyArchiveEntries, type StandbyMarker } from '../standby/spec.js';

export interface DistOverlay {
  /** Id of the image the new container is created from (one the service runs now). */
  image: string;
  /** Where dist/'s files go in the container (the COPY's destination). */
  target: string;
  /** dist/'s files: names relative to dist/, paths on the host. */
  files: { name: string; file: string }[];
}

/** Instructions that change an image's config but not its files. */
const CONFIG_ONLY = new Set(['USER', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'ENV', 'LABEL', 'STOPSIGNAL', 'ARG', 'SHELL', 'MAINTAINER', 'WORKDIR']);

/**
 * Pure: the absolute path dist/'s contents land on when `dockerfile` copies them with one plain
 * `COPY dist/ <dest>` (no flags: root-owned, modes kept) in a single stage and nothing after it
 * changes files; undefined for any other Dockerfile.
 */
export function distCopyTarget(dockerfile: string): string | undefined {
  let stages = 0;
  let workdir = '/';
  let target: string | undefined;
  for (const { keyword, args } of instructions(dockerfile)) {
    if (keyword === 'FROM') {
      if (++stages > 1) return undefined;
    } else if (stages === 0) {
      if (keyword !== 'ARG') return undefined;
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const words = args.trim().split(/\s+/);
      if (keyword === 'ADD' || target !== undefined || words.length !== 2 || words.some((w) => w.startsWith('--') || w.includes('$'))) return undefined;
      if (!/^(\.\/)?dist\/?$/.test(words[0]!)) return undefined;
      target = path.posix.resolve(workdir, words[1]!);
    } else if (keyword === 'WORKDIR') {
      if (args.includes('$')) return undefined;
      workdir = path.posix.resolve(workdir, args.trim().replace(/^(["'])(.*)\1$/, '$2'));
    } else if (!(CONFIG_ONLY.has(keyword) || (keyword === 'RUN' && target === undefined))) {
      return undefined; // VOLUME, ONBUILD, or a RUN that could use or change dist/
    }
  }
  return target;
}

/** Where the service folder's Dockerfile puts dist/ (distCopyTarget), undefined when it has none or another shape. */
export async function serviceDistTarget(dir: string): Promise<string | undefined> {
  const dockerfile = await readFile(path.join(dir, 'Dockerfile'), 'utf8').catch(() => undefined);
  return dockerfile === undefined ? undefined : distCopyTarget(dockerfile);
}

/** Pure: the `dev.portico.dist-layout` label of a service image built from these inputs. */
export function distLayout(dockerfile: string, runtime: Pick<RuntimeImage, 'ref' | 'id'>, distFiles: string[]): string {
  return createHash('sha256').update(stableJson({ dockerfile, runtime: [runtime.ref, runtime.id], files: [...distFiles].sort() })).digest('hex').slice(0, 16);
}

/**
 * The overlay for a service whose new image would have `layout`, onto one of `images` (those
 * its running containers use), or undefined when none of them fits or the Dockerfile does not.
 * `distFiles` are relative to `dir` (`dist/...`).
 */
export async function findDistOverlay(docker: DockerClient, options: { dockerfile: string; layout: string; images: string[]; dir: string; distFiles: string[] }): Promise<DistOverlay | undefined> {
  const target = distCopyTarget(options.dockerfile);
  if (target === undefined) return undefined;
  for (const ref of new Set(options.images)) {
    const image = await docker.inspectImage(ref);
    if (image?.labels[LABEL.distLayout] !== options.layout) continue;
    const files = options.distFiles.map((f) => ({ name: f.replace(/^dist\//, ''), file: path.join(options.dir, f) }));
    return { image: image.id, target, files };
  }
  return undefined;
}

const archives = new WeakMap<DistOverlay, Promise<Buffer>>();

/**
 * The tar of an overlay's files, for putArchive at its target (owned by root, as COPY makes
 * them). Made once per overlay (every replica of the service gets the same) and held in memory:
 * a few MB, sent whole.
 */
export function overlayArchive(overlay: DistOverlay): Promise<Buffer> {
  let archive = archives.get(overlay);
  if (!archive) {
    archive = buffer(tarStream(overlay.files));
    archives.set(overlay, archive);
  }
  return archive;
}

/**
 * The archive a warm standby gets (`portico dev`, standby/spec.ts): the same files, at the
 * container's root under the overlay's target, then the marker. Per container (the marker
 * holds its config hash); read from the files the bundler just wrote.
 */
export function standbyArchive(overlay: DistOverlay, marker: StandbyMarker): Promise<Buffer> {
  return buffer(tarStream(standbyArchiveEntries(overlay.target, overlay.files, marker)));
}

async function buffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
