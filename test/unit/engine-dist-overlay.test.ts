// `portico dev`'s fast path (engine/images/dist-overlay.ts): which Dockerfiles let a reload put
// the new bundle onto the running image instead of building one, the layout label that says
// whether an image differs from the next one in dist/'s contents only, and the order of
// Docker calls when a slot is replaced that way (on the in-memory fake).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../src/compile/labels.js';
import type { ContainerPlan } from '../../src/compile/plan.js';
import { distCopyTarget, distLayout, findDistOverlay } from '../../src/engine/images/dist-overlay.js';
import { replaceSlot } from '../../src/engine/rolling.js';
import { FakeDocker } from './helpers/fake-docker.js';

const template = readFileSync(new URL('../../templates/service/_shared/Dockerfile', import.meta.url), 'utf8');
const dockerfile = (...lines: string[]) => ['ARG BASE_IMAGE=node:20-slim', 'FROM ${BASE_IMAGE}', ...lines, ''].join('\n');

describe('distCopyTarget', () => {
  it("finds where the template's Dockerfile puts dist/", () => {
    expect(distCopyTarget(template)).toBe('/app/dist');
  });
  it('follows WORKDIR and the spellings of a plain COPY of dist/', () => {
    expect(distCopyTarget(dockerfile('WORKDIR /srv', 'WORKDIR web', 'COPY dist ./out/'))).toBe('/srv/web/out');
    expect(distCopyTarget(dockerfile('COPY ./dist/ /opt/app/'))).toBe('/opt/app');
    // A RUN before the copy cannot see dist/; config after it changes no files.
    expect(distCopyTarget(dockerfile('RUN mkdir -p /app', 'WORKDIR /app', 'COPY dist/ ./dist/', 'ENV A=1', 'USER 1000:1000', 'CMD ["node", "dist/index.mjs"]'))).toBe('/app/dist');
  });
  it('refuses a Dockerfile whose image could differ in more than dist/', () => {
    const refused = [
      dockerfile('WORKDIR /app', 'COPY dist/ ./dist/', 'RUN node dist/prepare.mjs'),
      dockerfile('WORKDIR /app', 'COPY --chown=1000:1000 dist/ ./dist/'),
      dockerfile('WORKDIR /app', 'COPY dist/ ./dist/', 'COPY dist/index.mjs ./'),
      dockerfile('WORKDIR /app', 'ADD dist/ ./dist/'),
      dockerfile('WORKDIR /app', 'COPY dist/index.mjs ./dist/'),
      dockerfile('WORKDIR $HOME', 'COPY dist/ ./dist/'),
      dockerfile('WORKDIR /app', 'COPY dist/ ./dist/', 'VOLUME /app/dist'),
      dockerfile('WORKDIR /app', 'COPY ["dist/", "./dist/"]'),
      dockerfile('WORKDIR /app', 'RUN true'),
      `${dockerfile('COPY dist/ /app/dist/')}FROM scratch\nCOPY --from=0 /app /app\n`,
    ];
    for (const text of refused) expect(distCopyTarget(text), text).toBeUndefined();
  });
});

describe('distLayout', () => {
  const runtime = { ref: 'portico/node-runtime:20', id: 'sha256:r1' };
  it('depends on the Dockerfile, the runtime image and the names of dist/ files, not their order', () => {
    const a = distLayout(template, runtime, ['dist/index.mjs', 'dist/index.mjs.map']);
    expect(distLayout(template, runtime, ['dist/index.mjs.map', 'dist/index.mjs'])).toBe(a);
    expect(distLayout(`${template}\n# edited`, runtime, ['dist/index.mjs', 'dist/index.mjs.map'])).not.toBe(a);
    expect(distLayout(template, { ...runtime, id: 'sha256:r2' }, ['dist/index.mjs', 'dist/index.mjs.map'])).not.toBe(a);
    expect(distLayout(template, runtime, ['dist/index.mjs', 'dist/index.mjs.map', 'dist/chunk.mjs'])).not.toBe(a);
  });
});

describe('findDistOverlay', () => {
  const images: Record<string, { id: string; labels: Record<string, string> }> = {
    'portico/p-s:old': { id: 'sha256:old', labels: { [LABEL.distLayout]: 'L1' } },
    'portico/p-s:older': { id: 'sha256:older', labels: { [LABEL.distLayout]: 'L0' } },
  };
  const docker = Object.assign(new FakeDocker(), { inspectImage: async (ref: string) => images[ref] });
  const options = { dockerfile: template, layout: 'L1', dir: '/w/services/s', distFiles: ['dist/index.mjs', 'dist/index.mjs.map'] };
  it('takes a running image with the same layout and maps dist/ to the copy target', async () => {
    expect(await findDistOverlay(docker, { ...options, images: ['portico/p-s:older', 'portico/p-s:old'] })).toEqual({
      image: 'sha256:old',
      target: '/app/dist',
      files: [
        { name: 'index.mjs', file: '/w/services/s/dist/index.mjs' },
        { name: 'index.mjs.map', file: '/w/services/s/dist/index.mjs.map' },
      ],
    });
  });
  it('finds none without a matching image or with a Dockerfile it cannot follow', async () => {
    expect(await findDistOverlay(docker, { ...options, images: ['portico/p-s:older', 'gone'] })).toBeUndefined();
    expect(await findDistOverlay(docker, { ...options, dockerfile: `${template}RUN true\n`, images: ['portico/p-s:old'] })).toBeUndefined();
  });
});

describe('replaceSlot with an overlay (fake engine)', () => {
  it('creates the new container from the running image and puts dist/ into it before it starts', async () => {
    const docker = new FakeDocker();
    const plan: ContainerPlan = {
      name: 'p-s-1', role: 'service', service: 's', replica: 1, image: 'portico/p-s:new', env: {}, labels: { [LABEL.service]: 's', [LABEL.configHash]: 'h1' },
      aliases: ['s'], ports: [], binds: [], volumes: [], dependsOn: [], configHash: 'h1',
    };
    await replaceSlot({ docker, project: 'p', network: 'p-net', timeoutMs: 1000 }, plan, undefined, { image: 'sha256:old', target: '/app/dist', files: [] });
    expect(docker.calls).toEqual(['create p-s-1', 'put archive p-s-1 /app/dist', 'start p-s-1']);
    const [created] = [...docker.containers.values()];
    // The image it runs is the old one; its labels (config hash) are the plan's, for the new image.
    expect(created!.spec.image).toBe('sha256:old');
    expect(created!.spec.labels[LABEL.configHash]).toBe('h1');
  });
});
