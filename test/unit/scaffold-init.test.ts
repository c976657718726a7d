// `portico init` and `portico ci`, in-process.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createContext } from '../../src/cli/context.js';
import { run as runInit } from '../../src/cli/commands/init.js';
import { checkGeneratedFiles } from '../../src/workspace/generated-files.js';
import { loadManifest } from '../../src/manifest/load.js';
import { readTree, runCli, tempDir } from '../helpers/workspace.js';

const WORKSPACE_FILES = [
  '.env.example',
  '.github/workflows/portico.yml',
  '.gitignore',
  '.portico/discovery.json',
  '.portico/gateway.json',
  '.portico/portico.schema.json',
  'README.md',
  'portico.yaml',
];

describe('portico init', () => {
  it('creates a workspace whose generated files are up to date, named after the folder', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', 'My Shop'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const ws = path.join(dir, 'My Shop');
    expect(Object.keys(await readTree(ws)).sort()).toEqual(WORKSPACE_FILES);
    const loaded = await loadManifest(ws);
    expect(loaded.manifest.name).toBe('my-shop');
    expect(await checkGeneratedFiles(loaded)).toEqual([]);
    expect(result.stdout).toContain('cd My Shop');
  });

  it('uses --name, and refuses a name that is not a DNS label (exit 2, nothing written)', async () => {
    const dir = await tempDir();
    expect((await runCli(['init', '--name', 'shop'], { cwd: dir })).code).toBe(0);
    expect((await loadManifest(dir)).manifest.name).toBe('shop');
    const other = await tempDir();
    const bad = await runCli(['init', '--name', 'Shop Two'], { cwd: other });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/project name "Shop Two" is not a DNS label/);
    expect(await readTree(other)).toEqual({});
  });

  it('refuses a folder name it cannot turn into a project name, pointing at --name', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', '2024'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--name/);
  });

  it('refuses to overwrite existing files with other content unless --force', async () => {
    const dir = await tempDir({ 'portico.yaml': 'version: 1\nname: mine\n', 'src/keep.ts': 'x' });
    const refused = await runCli(['init', '--name', 'shop'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/portico\.yaml.*--force/s);
    expect(refused.stderr).toMatch(/Move or delete it, or run again with --force to overwrite it\./);
    expect(await readTree(dir)).toEqual({ 'portico.yaml': 'version: 1\nname: mine\n', 'src/keep.ts': 'x' });

    expect((await runCli(['init', '--name', 'shop', '--force'], { cwd: dir })).code).toBe(0);
    expect((await loadManifest(dir)).manifest.name).toBe('shop');
    expect(await readFile(path.join(dir, 'src/keep.ts'), 'utf8')).toBe('x');
  });

  it('is harmless to run twice', async () => {
    const dir = await tempDir();
    expect((await runCli(['init', '--name', 'shop'], { cwd: dir })).code).toBe(0);
    const before = await readTree(dir);
    const again = await runCli(['init', '--name', 'shop'], { cwd: dir });
    expect(again.code).toBe(0);
    // Not "Created workspace" with an empty file list: nothing was created.
    expect(again.stdout).toBe('Workspace "shop" in . is already set up: every file is as `portico init` would write it.\n');
    expect(await readTree(dir)).toEqual(before);
  });

  it('refuses a target that is a file', async () => {
    const dir = await tempDir({ taken: 'x' });
    expect((await runCli(['init', 'taken'], { cwd: dir })).code).toBe(2);
  });
});

describe('portico init prompts', () => {
  const sink = () => new Writable({ write: (_c, _e, done) => done() });
  const tty = (cwd: string) => createContext({ cwd, env: {}, stdout: sink(), stderr: sink(), stdinIsTTY: true });

  it('asks for the project name (default: the folder name) only when a person is there and --name is missing', async () => {
    const dir = await tempDir();
    const questions: [string, string][] = [];
    const prompter = {
      select: async () => {
        throw new Error('unexpected select');
      },
      confirm: async () => {
        throw new Error('unexpected confirm');
      },
      input: async (message: string, defaultValue: string, validate: (v: string) => true | string) => {
        questions.push([message, defaultValue]);
        expect(validate('Bad Name')).toMatch(/not a DNS label/);
        return 'typed';
      },
    };
    expect(await runInit({ dir: 'Web Shop' }, tty(dir), prompter)).toBe(0);
    expect(questions).toEqual([['Project name', 'web-shop']]);
    expect((await loadManifest(path.join(dir, 'Web Shop'))).manifest.name).toBe('typed');

    expect(await runInit({ dir: 'b', yes: true }, tty(dir), prompter)).toBe(0);
    expect(await runInit({ dir: 'c', name: 'cee' }, tty(dir), prompter)).toBe(0);
    expect(questions).toHaveLength(1);
  });
});

describe('portico ci', () => {
  it('prints exactly the workflow init wrote', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'sub'));
    await runCli(['init', '--name', 'shop'], { cwd: dir });
    const printed = await runCli(['ci'], { cwd: path.join(dir, 'sub') });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(await readFile(path.join(dir, '.github/workflows/portico.yml'), 'utf8'));
    expect(printed.stdout).toContain('portico up --wait --timeout 180');
  });

  it('works outside a workspace too', async () => {
    const result = await runCli(['ci'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^name: portico$/m);
  });
});
