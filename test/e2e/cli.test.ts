// The built CLI as users run it: `portico init`, two `create-service` runs (one per template,
// with npm install), `portico validate`, `portico generate --check`, then each generated
// service's own `npm test` and `npm run build`, and the bundle started with no node_modules.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => path.join(root, 'bin', `${name}.js`);
const env = { CI: 'true', NO_COLOR: '1' };
let tmp: string;
let ws: string;

const portico = (args: string[], cwd = ws) => execa('node', [bin('portico'), ...args], { cwd, env, reject: false, all: true });
const createService = (args: string[], cwd = ws) => execa('node', [bin('create-service'), ...args], { cwd, env, reject: false, all: true });

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'cli.js'))) await execa('npm', ['run', 'build'], { cwd: root });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-e2e-'));
  ws = path.join(tmp, 'shop');
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Files under dir (relative, sorted), leaving out what npm and builds add. */
async function listFiles(dir: string, skip = new Set(['node_modules', 'dist', 'package-lock.json'])): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

/** What a template folder should produce: its files (renamed, without template.json) plus _shared. */
async function expectedFiles(template: string): Promise<string[]> {
  const templates = path.join(root, 'templates', 'service');
  const own = (await listFiles(path.join(templates, template))).filter((f) => f !== 'template.json').map((f) => f.replace(/(^|\/)_gitignore$/, '$1.gitignore'));
  const shared = await listFiles(path.join(templates, '_shared'));
  return [...new Set([...own, ...shared])].sort();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('portico from the built bins', () => {
  it('create-service answers --version and --help as its own program', async () => {
    const version = await createService(['--version'], tmp);
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const help = await createService(['--help'], tmp);
    expect(help.stdout).toMatch(/^Usage: create-service \[options\] <name>/);
  });

  it('init creates a workspace', async () => {
    const result = await portico(['init', 'shop'], tmp);
    expect(result.exitCode, result.all).toBe(0);
    expect(await listFiles(ws)).toEqual(
      ['.env.example', '.github/workflows/portico.yml', '.gitignore', '.portico/discovery.json', '.portico/gateway.json', '.portico/portico.schema.json', 'README.md', 'portico.yaml'],
    );
  });

  it('create-service scaffolds a node-fastify and a node-express service and installs them', async () => {
    const orders = await createService(['orders', '--route', '/api/orders']);
    expect(orders.exitCode, orders.all).toBe(0);
    const users = await createService(['users', '--template', 'node-express', '--route', '/api/users', '--port', '3001']);
    expect(users.exitCode, users.all).toBe(0);
    expect(users.stdout).toContain('Created services/users from template node-express');
    // Every dependency supports Node 20 (the templates' engine).
    expect(orders.all).not.toMatch(/EBADENGINE/);
    expect(users.all).not.toMatch(/EBADENGINE/);

    expect(await listFiles(path.join(ws, 'services', 'orders'))).toEqual(await expectedFiles('node-fastify'));
    expect(await listFiles(path.join(ws, 'services', 'users'))).toEqual(await expectedFiles('node-express'));
    expect(existsSync(path.join(ws, 'services', 'orders', 'node_modules', 'fastify'))).toBe(true);
    expect(existsSync(path.join(ws, 'services', 'users', 'node_modules', 'express'))).toBe(true);
  });

  it('validate and generate --check pass on the result', async () => {
    const validate = await portico(['validate']);
    expect(validate.exitCode, validate.all).toBe(0);
    const check = await portico(['generate', '--check']);
    expect(check.exitCode, check.all).toBe(0);
  });

  it.each(['orders', 'users'])("%s: the service's own npm test, typecheck and build pass; the bundle runs without node_modules", async (name) => {
    const dir = path.join(ws, 'services', name);
    const test = await execa('npm', ['test'], { cwd: dir, env, reject: false, all: true });
    expect(test.exitCode, test.all).toBe(0);
    const typecheck = await execa('npm', ['run', 'typecheck'], { cwd: dir, env, reject: false, all: true });
    expect(typecheck.exitCode, typecheck.all).toBe(0);
    const build = await execa('npm', ['run', 'build'], { cwd: dir, env, reject: false, all: true });
    expect(build.exitCode, build.all).toBe(0);
    expect(await readdir(path.join(dir, 'dist'))).toContain('index.mjs');

    // What the image gets: dist/ alone.
    const alone = path.join(tmp, `${name}-dist-only`);
    await cp(path.join(dir, 'dist'), path.join(alone, 'dist'), { recursive: true });
    const port = await freePort();
    const child = execa('node', ['dist/index.mjs'], { cwd: alone, env: { PORT: String(port), PATH: process.env.PATH }, extendEnv: false, reject: false, all: true });
    try {
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
      const created = await fetch(`http://127.0.0.1:${port}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
      expect(created.status).toBe(201);
    } finally {
      child.kill('SIGTERM');
    }
    const exited = await child;
    expect(exited.exitCode, exited.all).toBe(0);
    expect(exited.all).toMatch(/"msg":"stopped"/);
  });
});
