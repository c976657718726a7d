// build:, envFile: and mounts: in portico.yaml: schema, text checks, and the checks on disk
// (symlinks, missing mount sources) that loadValidManifest adds, each with file:line.
import { describe, expect, it } from 'vitest';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ManifestError, parseManifest } from '../../src/manifest/load.js';
import { checkManifest } from '../../src/manifest/validate.js';
import { loadValidManifest } from '../../src/scaffold/valid-manifest.js';
import { parseMount } from '../../src/manifest/mounts.js';
import { readEnvFiles } from '../../src/manifest/env-file.js';
import { tempDir } from '../helpers/workspace.js';

const HEAD = 'version: 1\nname: shop\nservices:\n  api:\n';
const service = (...lines: string[]) => HEAD + lines.map((l) => `    ${l}\n`).join('');
const problemsOf = (text: string) => checkManifest(parseManifest(text, '/w/portico.yaml').manifest, ['node-fastify']);

describe('build:', () => {
  it('is a third kind of service, with defaults', () => {
    const m = parseManifest(service('build: {}'), '/w/portico.yaml').manifest;
    expect(m.services.api!.build).toEqual({ dockerfile: 'Dockerfile', args: {} });
    expect(problemsOf(service('build: { context: ., dockerfile: services/api/Dockerfile, args: { V: 1 }, target: prod }'))).toEqual([]);
  });

  it('is exclusive with template and image', () => {
    const [p] = problemsOf(service('build: {}', 'image: redis:7'));
    expect(p!.message).toMatch(/has both "image" and "build"; keep one/);
  });

  it('keeps the context inside the workspace and the Dockerfile inside the context', () => {
    expect(problemsOf(service('build: { context: ../elsewhere }'))).toEqual([
      { path: ['services', 'api', 'build', 'context'], message: expect.stringMatching(/leads outside the workspace; keep build contexts under/) },
    ]);
    expect(problemsOf(service('build: { dockerfile: ../Dockerfile }'))[0]!.message).toMatch(/leads outside the build context/);
    expect(problemsOf(service('build: { context: /srv/api }'))[0]!.message).toMatch(/is absolute/);
  });

  it('rejects unknown keys', () => {
    expect(() => parseManifest(service('build: { contxt: . }'), '/w/portico.yaml')).toThrow(ManifestError);
  });
});

describe('envFile:', () => {
  it('takes one file or a list, relative and inside the workspace', () => {
    expect(problemsOf(service('image: x', 'envFile: .env'))).toEqual([]);
    expect(problemsOf(service('image: x', 'envFile: [.env, config/api.env]'))).toEqual([]);
    expect(problemsOf(service('image: x', 'envFile: [.env, ../secrets.env]'))).toEqual([
      { path: ['services', 'api', 'envFile', 1], message: expect.stringMatching(/leads outside the workspace; keep env files/) },
    ]);
  });

  it('reads dotenv files, later ones winning, and names a missing file without any value (exit 3)', async () => {
    const dir = await tempDir({ a: 'A=1\nB="two words"\nexport C=3 # note\n', b: 'A=override\n' });
    expect(await readEnvFiles(dir, ['a', 'b'], 'services.api.envFile')).toEqual({ A: 'override', B: 'two words', C: '3' });
    await expect(readEnvFiles(dir, ['a', 'missing.env'], 'services.api.envFile')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('services.api.envFile names missing.env, which does not exist'),
    });
  });
});

describe('mounts:', () => {
  it('reads the short and the long form', () => {
    expect(parseMount('./src:/app/src:ro')).toEqual({ source: './src', target: '/app/src', readOnly: true, allowOutside: false });
    expect(parseMount('./data:/data')).toEqual({ source: './data', target: '/data', readOnly: false, allowOutside: false });
    expect(parseMount({ source: '/opt/x', target: '/x', readOnly: false, allowOutside: true })).toMatchObject({ allowOutside: true });
  });

  it.each([
    ['./src', /must be \.\/host\/path:\/container\/path/],
    ['./src:/app:rx', /use :ro \(read-only\) or :rw/],
    ['data:/data', /named volumes go in "volumes"/],
    ['./src:app/src', /must be an absolute path in the container/],
    ['../outside:/x', /outside the workspace; .*the long form \{ source: \.\.\/outside, target: \/x, allowOutside: true \}/],
    ['/etc:/x:ro', /outside the workspace/],
  ])('rejects %j', (mount, message) => {
    const problems = problemsOf(service('image: x', `mounts: [${JSON.stringify(mount)}]`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toEqual(['services', 'api', 'mounts', 0]);
    expect(problems[0]!.message).toMatch(message);
  });

  it('allows a source outside the workspace only with allowOutside: true', () => {
    expect(problemsOf(service('image: x', 'mounts: [{ source: ../shared, target: /shared }]'))[0]!.message).toMatch(/write allowOutside: true/);
    expect(problemsOf(service('image: x', 'mounts: [{ source: ../shared, target: /shared, allowOutside: true }]'))).toEqual([]);
  });
});

describe('on disk (loadValidManifest)', () => {
  const manifest = (lines: string[]) => HEAD + ['image: x', ...lines].map((l) => `    ${l}\n`).join('');

  it('rejects a mount that leaves the workspace through a symlink, with file:line', async () => {
    const outside = await tempDir({ 'secret.txt': 'x' });
    const dir = await tempDir({ 'portico.yaml': manifest(['mounts:', '  - ./src:/app/src:ro', '  - ./link:/app/link']), 'src/a.txt': 'a' });
    await symlink(outside, path.join(dir, 'link'));
    const error = (await loadValidManifest(dir).catch((e) => e)) as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.exitCode).toBe(2);
    expect(error.problems).toEqual([
      expect.objectContaining({ path: 'services.api.mounts.1', line: 8, message: expect.stringMatching(/"\.\/link" leads outside the workspace through a symlink/) }),
    ]);
  });

  it('rejects a mount source that does not exist, and an env file symlinked out', async () => {
    const outside = await tempDir({ 'prod.env': 'A=1' });
    const dir = await tempDir({ 'portico.yaml': manifest(['envFile: .env', 'mounts: [./nope:/x]']) });
    await symlink(path.join(outside, 'prod.env'), path.join(dir, '.env'));
    const error = (await loadValidManifest(dir).catch((e) => e)) as ManifestError;
    expect(error.problems.map((p) => [p.path, p.line])).toEqual([
      ['services.api.envFile', 6],
      ['services.api.mounts.0', 7],
    ]);
    expect(error.message).toMatch(/mount source "\.\/nope" does not exist/);
  });

  it('accepts mounts inside the workspace, symlinks that stay inside, and a missing env file (it may be git-ignored)', async () => {
    const dir = await tempDir({ 'portico.yaml': manifest(['envFile: .env.local', 'mounts: [./src:/app/src, ./alias:/app/alias]']), 'src/a.txt': 'a' });
    await mkdir(path.join(dir, 'real'));
    await symlink(path.join(dir, 'real'), path.join(dir, 'alias'));
    await expect(loadValidManifest(dir)).resolves.toBeDefined();
  });
});
