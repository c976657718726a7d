import { describe, expect, it } from 'vitest';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { dockerignoreMatcher, listBuildContext } from '../../src/engine/images/build-context.js';
import { tempDir } from '../helpers/workspace.js';

describe('build context', () => {
  it('follows Docker .dockerignore semantics', () => {
    const { matcher, hasExceptions } = dockerignoreMatcher('# comment\nnode_modules\n*.log\n!keep.log\n/secret\n**/tmp\n\n');
    const ignored = ['node_modules/a/b.js', 'x.log', 'secret', 'a/tmp/x'].map((p) => matcher.ignores(p));
    const kept = ['keep.log', 'sub/x.log', 'src/secret', 'src/a.ts'].map((p) => matcher.ignores(p));
    expect(ignored).toEqual([true, true, true, true]);
    expect(kept).toEqual([false, false, false, false]);
    expect(hasExceptions).toBe(true);
  });

  it('lists what docker build would send: .dockerignore applied, Dockerfile and .dockerignore always, .portico never', async () => {
    const dir = await tempDir({
      '.dockerignore': 'Dockerfile\n.dockerignore\nnode_modules\ndocs/**\n!docs/keep.md\n**/*.tmp\n*.log\n',
      Dockerfile: 'FROM x\n',
      'src/app.py': 'print(1)\n',
      'src/cache.tmp': 'x',
      'src/run.log': 'only *.log at the root is ignored',
      'node_modules/dep/index.js': 'x',
      'docs/a.md': 'x',
      'docs/keep.md': 'x',
      '.portico/state/registry-token': 'secret',
    });
    await mkdir(path.join(dir, 'links'));
    await symlink('../src/app.py', path.join(dir, 'links/app.py'));
    const listed = await listBuildContext(dir, 'Dockerfile');
    expect(listed.files).toEqual(['.dockerignore', 'Dockerfile', 'docs/keep.md', 'src/app.py', 'src/run.log']);
    expect(listed.symlinks).toEqual([{ name: 'links/app.py', target: '../src/app.py' }]);
  });

  it('sends everything when there is no .dockerignore, a Dockerfile in a subfolder included', async () => {
    const dir = await tempDir({ 'docker/Dockerfile': 'FROM x\n', 'a.txt': 'a' });
    expect((await listBuildContext(dir, './docker/Dockerfile')).files).toEqual(['a.txt', 'docker/Dockerfile']);
  });
});
