// `portico create` / `create-service` doing their job, in-process: files, manifest, generated
// config, dry run, workspace creation, prompts (scripted) and the non-interactive rules.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { run as runCreate } from '../../src/cli/commands/create.js';
import type { Prompter } from '../../src/cli/ui/prompter.js';
import { checkGeneratedFiles } from '../../src/workspace/generated-files.js';
import { loadManifest } from '../../src/manifest/load.js';
import { readTree, runCli, tempDir } from '../helpers/workspace.js';

async function workspace(): Promise<string> {
  const dir = await tempDir();
  expect((await runCli(['init', '--name', 'shop'], { cwd: dir })).code).toBe(0);
  return dir;
}

const serviceFiles = (tree: Record<string, string>, name: string) =>
  Object.keys(tree)
    .filter((p) => p.startsWith(`services/${name}/`))
    .map((p) => p.slice(`services/${name}/`.length));

describe('create', () => {
  it('scaffolds the service, adds it to portico.yaml and regenerates .portico/*', async () => {
    const dir = await workspace();
    const result = await runCli(['create', 'orders', '--route', '/api/orders', '--port', '3100', '--replicas', '2', '--no-install'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Created services/orders from template node-fastify (port 3100, route /api/orders)');
    expect(result.stdout).toContain('curl http://127.0.0.1:8080/api/orders/items');

    const tree = await readTree(dir);
    expect(serviceFiles(tree, 'orders')).toEqual(expect.arrayContaining(['package.json', 'Dockerfile', '.gitignore', 'src/index.ts', 'src/registry-client.ts']));
    expect(JSON.parse(tree['services/orders/package.json']!).name).toBe('orders');

    const loaded = await loadManifest(dir);
    expect(loaded.manifest.services.orders).toMatchObject({ template: 'node-fastify', path: 'services/orders', port: 3100, replicas: 2, routes: [{ path: '/api/orders' }] });
    expect(tree['portico.yaml']).toContain('# yaml-language-server: $schema=./.portico/portico.schema.json');
    expect(await checkGeneratedFiles(loaded)).toEqual([]);
    const gateway = JSON.parse(tree['.portico/gateway.json']!);
    expect(gateway.routes.map((r: { path: string; service: string }) => [r.path, r.service])).toEqual([['/api/orders', 'orders']]);
  });

  it('writes --route as the gateway matches it (no trailing slash)', async () => {
    const dir = await workspace();
    const result = await runCli(['create', 'orders', '--route', '/api/orders/', '--no-install'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect((await loadManifest(dir)).manifest.services.orders?.routes).toEqual([expect.objectContaining({ path: '/api/orders' })]);
    expect(result.stdout).toContain('curl http://127.0.0.1:8080/api/orders/items');
  });

  it('takes the defaults without a TTY: node-fastify, its port, route /<name>', async () => {
    const dir = await workspace();
    expect((await runCli(['create', 'users', '--no-install'], { cwd: dir })).code).toBe(0);
    expect((await loadManifest(dir)).manifest.services.users).toMatchObject({ template: 'node-fastify', port: 3000, routes: [{ path: '/users' }] });
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dir = await workspace();
    const before = await readTree(dir);
    const result = await runCli(['create', 'orders', '--template', 'node-express', '--dry-run'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Dry run: nothing was written/);
    expect(result.stdout).toMatch(/^ {2}update {2}portico\.yaml/m);
    expect(result.stdout).toMatch(/^ {2}create {2}services\/orders\/src\/log\.ts/m);
    expect(await readTree(dir)).toEqual(before);
  });

  it('outside a workspace with --yes creates one in the current folder, then the service', async () => {
    const dir = await tempDir();
    const cwd = path.join(dir, 'My Shop');
    await import('node:fs/promises').then((fs) => fs.mkdir(cwd));
    const result = await runCli(['create', 'orders', '--yes', '--no-install'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Created workspace "my-shop"');
    const tree = await readTree(cwd);
    expect(Object.keys(tree)).toEqual(expect.arrayContaining(['portico.yaml', 'README.md', '.gitignore', '.env.example', '.github/workflows/portico.yml', '.portico/gateway.json', 'services/orders/package.json']));
    expect((await loadManifest(cwd)).manifest).toMatchObject({ name: 'my-shop', services: { orders: { port: 3000 } } });
  });

  it('outside a workspace, a conflicting README stops everything unless --force', async () => {
    const dir = await tempDir({ 'README.md': 'my notes' });
    const refused = await runCli(['create', 'orders', '--yes', '--no-install'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/README\.md.*Nothing was written/);
    expect(await readTree(dir)).toEqual({ 'README.md': 'my notes' });
    expect((await runCli(['create', 'orders', '--yes', '--force', '--no-install'], { cwd: dir })).code).toBe(0);
  });

  it('scaffolds into an existing folder only with --force, keeping the files the template does not have', async () => {
    const dir = await workspace();
    const fs = await import('node:fs/promises');
    await fs.mkdir(path.join(dir, 'services', 'old'), { recursive: true });
    await writeFile(path.join(dir, 'services', 'old', 'notes.md'), 'mine');
    const refused = await runCli(['create', 'old', '--no-install'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/services\/old already exists\. Nothing was written.*--force/s);
    expect((await runCli(['create', 'old', '--no-install', '--force'], { cwd: dir })).code).toBe(0);
    expect(await readFile(path.join(dir, 'services', 'old', 'notes.md'), 'utf8')).toBe('mine');
    expect(Object.keys((await loadManifest(dir)).manifest.services)).toEqual(['old']);

    // A file where the folder should be cannot be forced away.
    await writeFile(path.join(dir, 'services', 'file'), 'x');
    const file = await runCli(['create', 'file', '--no-install', '--force'], { cwd: dir });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/services\/file already exists and is a file/);
  });

  it('works from a subfolder of the workspace and with -C', async () => {
    const dir = await workspace();
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(dir, 'docs')));
    expect((await runCli(['create', 'a', '--no-install'], { cwd: path.join(dir, 'docs') })).code).toBe(0);
    expect((await runCli(['-C', dir, 'create', 'b', '--no-install'], { cwd: '/' })).code).toBe(0);
    expect(Object.keys((await loadManifest(dir)).manifest.services)).toEqual(['a', 'b']);
  });
});

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** A prompter that answers from a script and records the questions. */
function scripted(answers: Record<string, string | boolean>) {
  const asked: string[] = [];
  const answer = (message: string) => {
    asked.push(message);
    if (!(message in answers)) throw new Error(`unexpected prompt: ${message}`);
    return answers[message]!;
  };
  const prompter: Prompter = {
    select: async (message, choices) => {
      const value = answer(message);
      expect(choices.map((c) => c.value)).toContain(value);
      return value as never;
    },
    input: async (message, _default, validate) => {
      const value = String(answer(message));
      expect(validate(value)).toBe(true);
      return value;
    },
    confirm: async (message) => Boolean(answer(message)),
  };
  return { prompter, asked };
}

function tty(cwd: string, env: NodeJS.ProcessEnv = {}) {
  return createContext({ cwd, env: { NO_COLOR: '1', ...env }, stdout: new Sink(), stderr: new Sink(), stdinIsTTY: true });
}

describe('create prompts', () => {
  it('asks for template, port and route when a person is there and values are missing', async () => {
    const dir = await workspace();
    const { prompter, asked } = scripted({ Template: 'node-express', 'Port the service listens on': '4000', 'Gateway route prefix': '/u' });
    expect(await runCreate({ name: 'users', install: false }, tty(dir), prompter)).toBe(0);
    expect(asked).toEqual(['Template', 'Port the service listens on', 'Gateway route prefix']);
    expect((await loadManifest(dir)).manifest.services.users).toMatchObject({ template: 'node-express', port: 4000, routes: [{ path: '/u' }] });
  });

  it('asks only for what the flags leave open', async () => {
    const dir = await workspace();
    const { prompter, asked } = scripted({ 'Gateway route prefix': '/x' });
    expect(await runCreate({ name: 'users', template: 'node-fastify', port: '3001', install: false }, tty(dir), prompter)).toBe(0);
    expect(asked).toEqual(['Gateway route prefix']);
  });

  it('offers to create a workspace outside one, and stops with exit 2 when declined', async () => {
    const dir = await tempDir();
    const declined = scripted({ [`No portico.yaml in ${dir} or its parents. Create a workspace here?`]: false });
    await expect(runCreate({ name: 'users', install: false }, tty(dir), declined.prompter)).rejects.toMatchObject({ exitCode: 2 });
    expect(await readTree(dir)).toEqual({});
  });

  it('never prompts with --yes or in CI', async () => {
    const { prompter, asked } = scripted({});
    const dir = await workspace();
    expect(await runCreate({ name: 'a', yes: true, install: false }, tty(dir), prompter)).toBe(0);
    expect(await runCreate({ name: 'b', install: false }, tty(dir, { CI: 'true' }), prompter)).toBe(0);
    expect(asked).toEqual([]);
  });
});

describe('create-service', () => {
  it('is the create command, with its own usage line', async () => {
    const out = new Sink();
    const write = process.stdout.write;
    // commander prints help on process.stdout.
    process.stdout.write = ((chunk: string) => out._write(Buffer.from(chunk), 'utf8', () => {})) as never;
    try {
      expect(await main(['create', '--help'], { programName: 'create-service' })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.text).toMatch(/^Usage: create-service \[options\] <name>/);
    expect(out.text).toContain('--no-install');
    expect(out.text).toContain('npx create-service orders');
  });

  it('keeps user edits: a second service does not rewrite the first', async () => {
    const dir = await workspace();
    await runCli(['create', 'a', '--no-install'], { cwd: dir });
    const manifestFile = path.join(dir, 'portico.yaml');
    await writeFile(manifestFile, (await readFile(manifestFile, 'utf8')).replace('    port: 3000\n', '    port: 3000 # my note\n'));
    expect((await runCli(['create', 'b', '--no-install'], { cwd: dir })).code).toBe(0);
    const text = await readFile(manifestFile, 'utf8');
    expect(text).toContain('    port: 3000 # my note\n');
    expect(text.indexOf('  a:\n')).toBeLessThan(text.indexOf('  b:\n'));
  });
});

describe('create and npm install', () => {
  /** A folder holding a fake `npm` that logs its arguments and exits with `code`. */
  async function fakeNpm(code: number) {
    const bin = await tempDir({ npm: `#!/bin/sh\necho "fake npm $*" >&2\nexit ${code}\n` });
    await import('node:fs/promises').then((fs) => fs.chmod(path.join(bin, 'npm'), 0o755));
    return bin;
  }

  it('runs npm install --no-audit --no-fund in the new service', async () => {
    const dir = await workspace();
    const result = await runCli(['create', 'orders'], { cwd: dir, env: { PATH: await fakeNpm(0) } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('fake npm install --no-audit --no-fund');
    expect(result.stdout).toContain('cd services/orders && npm test');
  });

  it('a failed npm install is exit 1 and says the files are already written', async () => {
    const dir = await workspace();
    const result = await runCli(['create', 'orders'], { cwd: dir, env: { PATH: await fakeNpm(7) } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/created in services\/orders and added to portico\.yaml, but `npm install` failed \(exit 7\)/);
    expect((await loadManifest(dir)).manifest.services.orders).toBeDefined();
  });

  it('no npm at all is exit 3 (environment not ready)', async () => {
    const dir = await workspace();
    const result = await runCli(['create', 'orders'], { cwd: dir, env: { PATH: await tempDir() } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/npm was not found/);
  });

  it('an already invalid portico.yaml is reported as it is, before anything is written', async () => {
    const dir = await workspace();
    const manifestFile = path.join(dir, 'portico.yaml');
    await writeFile(manifestFile, (await readFile(manifestFile, 'utf8')).replace('services: {}', 'services:\n  a: { image: redis:7, dependsOn: [nope] }'));
    const before = await readTree(dir);
    const result = await runCli(['create', 'orders', '--no-install'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/depends on "nope"/);
    expect(result.stderr).not.toMatch(/Adding the service/);
    expect(await readTree(dir)).toEqual(before);
  });
});
