import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PorticoError } from '../../src/core/errors.js';
import { fileError } from '../../src/core/fs-error.js';
import { FileTree, formatPlan } from '../../src/scaffold/tree.js';
import { readTree, tempDir } from '../helpers/workspace.js';

describe('FileTree', () => {
  it('records creates and overwrites, lists them sorted, and writes nothing before flush', async () => {
    const dir = await tempDir({ 'keep.txt': 'old' });
    const tree = new FileTree(dir);
    tree.create('b/two.txt', '2');
    tree.create('a.txt', '1');
    tree.overwrite('keep.txt', 'new');
    expect(tree.list().map((c) => [c.path, c.kind])).toEqual([
      ['a.txt', 'create'],
      ['b/two.txt', 'create'],
      ['keep.txt', 'overwrite'],
    ]);
    expect(tree.read('a.txt')).toBe('1');
    expect(await readTree(dir)).toEqual({ 'keep.txt': 'old' });

    expect(await tree.flush()).toEqual(['a.txt', 'b/two.txt', 'keep.txt']);
    expect(await readTree(dir)).toEqual({ 'a.txt': '1', 'b/two.txt': '2', 'keep.txt': 'new' });
  });

  it('treats an existing file with other content as a conflict: exit 2 naming it, nothing written', async () => {
    const dir = await tempDir({ 'README.md': 'mine' });
    const tree = new FileTree(dir);
    tree.create('new.txt', 'x');
    tree.create('README.md', 'theirs');
    const error = await tree.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect((error as PorticoError).exitCode).toBe(2);
    expect((error as PorticoError).message).toContain(path.join(dir, 'README.md'));
    expect((error as PorticoError).hint).toMatch(/--force/);
    expect(await readTree(dir)).toEqual({ 'README.md': 'mine' });
  });

  it('overwrites conflicts with force, and skips files whose content is already identical', async () => {
    const dir = await tempDir({ 'README.md': 'mine', 'same.txt': 'same' });
    const tree = new FileTree(dir);
    tree.create('README.md', 'theirs');
    tree.create('same.txt', 'same');
    expect((await tree.plan()).map((c) => c.effect)).toEqual(['conflict', 'unchanged']);
    expect(await tree.flush({ force: true })).toEqual(['README.md']);
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toBe('theirs');
  });

  it('reports a directory where a file should go as a conflict, even with an overwrite', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'portico.yaml'));
    const tree = new FileTree(dir);
    tree.overwrite('portico.yaml', 'x');
    expect((await tree.plan())[0]!.effect).toBe('conflict');
  });

  it('writes new files before updated ones, so a failed write leaves the updated file (portico.yaml) as it was', async () => {
    const dir = await tempDir({ 'portico.yaml': 'old', services: 'a file in the way' });
    const tree = new FileTree(dir);
    tree.overwrite('portico.yaml', 'new');
    tree.create('services/a/x.txt', 'x');
    const error = await tree.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PorticoError);
    expect(error).toMatchObject({
      exitCode: 1,
      message: `cannot write ${path.join(dir, 'services/a/x.txt')}: a file is in the way where a folder is needed (ENOTDIR).`,
      hint: expect.stringMatching(/^Nothing was written\. Fix that, then run the command again/),
    });
    expect(await readTree(dir)).toEqual({ 'portico.yaml': 'old', services: 'a file in the way' });
  });

  it('maps file-system errors to exit codes: machine problems 3, workspace problems 1, others untouched', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(fileError(errno('EACCES'), 'read', '/w/portico.yaml', 'h')).toMatchObject({ exitCode: 3, message: 'cannot read /w/portico.yaml: permission denied (EACCES).', hint: 'h' });
    expect(fileError(errno('EROFS'), 'write', '/w/x', 'h')).toMatchObject({ exitCode: 3 });
    expect(fileError(errno('EISDIR'), 'write', '/w/x', 'h')).toMatchObject({ exitCode: 1, message: expect.stringContaining('a folder is in the way') });
    const other = errno('EMFILE');
    expect(fileError(other, 'write', '/w/x', 'h')).toBe(other);
  });

  it('keeps binary content byte for byte', async () => {
    const dir = await tempDir();
    const bytes = Buffer.from([0, 255, 1, 128, 10]);
    const tree = new FileTree(dir);
    tree.create('img.png', bytes);
    await tree.flush();
    expect((await readFile(path.join(dir, 'img.png'))).equals(bytes)).toBe(true);
  });

  it('refuses paths that leave the tree', () => {
    const tree = new FileTree('/w');
    expect(() => tree.create('../x', '')).toThrow(/inside the tree/);
    expect(() => tree.create('/etc/passwd', '')).toThrow(/inside the tree/);
    expect(() => tree.create('a/../../x', '')).toThrow(/inside the tree/);
  });

  it('formats the plan one line per file, relative to the working directory', async () => {
    const dir = await tempDir({ 'portico.yaml': 'a' });
    await writeFile(path.join(dir, 'x.txt'), 'x');
    const tree = new FileTree(dir);
    tree.overwrite('portico.yaml', 'b');
    tree.create('x.txt', 'y');
    tree.create('s/new.txt', 'abc');
    expect(formatPlan(dir, await tree.plan(), dir)).toBe(
      ['  update  portico.yaml (1 bytes)', '  create  s/new.txt (3 bytes)', '  EXISTS  x.txt (1 bytes)'].join('\n'),
    );
  });
});
