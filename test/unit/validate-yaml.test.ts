// YAML as users write it: merge keys, positions of unknown keys, a mistyped -C folder.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findManifest, ManifestError, parseManifest } from '../../src/manifest/load.js';
import { runCli, tempDir } from '../helpers/workspace.js';

const problemsOf = (text: string) => {
  try {
    parseManifest(text, '/w/portico.yaml');
  } catch (error) {
    if (error instanceof ManifestError) return error.problems;
    throw error;
  }
  return [];
};

describe('manifest YAML', () => {
  it('resolves `<<: *anchor` merge keys (as Compose files use them)', () => {
    const { manifest } = parseManifest(
      'version: 1\nname: shop\nservices:\n  cache: &base\n    image: redis:7\n    port: 6379\n  other:\n    <<: *base\n    port: 6380\n',
      '/w/portico.yaml',
    );
    expect(manifest.services.other).toMatchObject({ image: 'redis:7', port: 6380 });
    expect(manifest.services.cache).toMatchObject({ image: 'redis:7', port: 6379 });
  });

  it('points an unknown key at the key itself, also when its value is a flow mapping or an alias', () => {
    const problems = problemsOf('version: 1\nname: shop\nextra: { a: 1 }\nservices:\n  a: &a { image: x }\n  b:\n    image: y\n    health2: *a\n');
    expect(problems.map((p) => [p.message.match(/"(\w+)"/)?.[1], p.line, p.column]).sort()).toEqual([
      ['extra', 3, 1],
      ['health2', 8, 5],
    ]);
  });
});

describe('finding portico.yaml', () => {
  it('skips a folder that happens to be called portico.yaml and finds the one above', async () => {
    const dir = await tempDir({ 'portico.yaml': 'version: 1\nname: shop\n', 'sub/portico.yaml/keep': '' });
    expect(await findManifest(path.join(dir, 'sub'))).toBe(path.join(dir, 'portico.yaml'));
  });
});

describe('-C <dir>', () => {
  it('names a folder that does not exist instead of saying there is no workspace (exit 2)', async () => {
    const dir = await tempDir();
    const missing = path.join(dir, 'nope');
    const result = await runCli(['-C', missing, 'validate'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the folder ${missing} does not exist`);
    expect(result.stderr).toMatch(/-C\/--cwd/);
  });
});
