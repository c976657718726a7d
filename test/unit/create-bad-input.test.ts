// Every bad input of issue 2 about names, folders, ports, routes and templates: exit 2, a
// one-paragraph error saying what to do, and nothing written (the workspace listing and
// contents are identical before and after).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTree, runCli, tempDir, writeFiles } from '../helpers/workspace.js';

let ws: string;

beforeAll(async () => {
  // tempDir() folders are removed after each test, so this one is made by hand and kept for the file.
  ws = path.join(await import('node:os').then((os) => os.tmpdir()), `portico-create-bad-${process.pid}-${Date.now()}`);
  await mkdir(ws, { recursive: true });
  expect((await runCli(['init', '--name', 'shop'], { cwd: ws })).code).toBe(0);
  expect((await runCli(['create', 'orders', '--no-install'], { cwd: ws })).code).toBe(0);
  await mkdir(path.join(ws, 'services', 'leftover'));
  await writeFiles(ws, { 'services/leftover/keep.txt': 'mine' });
  return async () => {
    const { rm } = await import('node:fs/promises');
    await rm(ws, { recursive: true, force: true });
  };
});

async function expectRefused(argv: string[], message: RegExp, cwd = ws) {
  const before = await readTree(cwd);
  const result = await runCli(argv, { cwd });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(message);
  // One paragraph: an "error" line, maybe a "hint" line, no blank lines, no stack trace.
  expect(result.stderr.trim()).not.toMatch(/\n\s*\n/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).toMatch(/^error /);
  expect(await readTree(cwd)).toEqual(before);
  return result;
}

describe('create refuses bad service names', () => {
  it.each([
    ['../x', /"\.\.\/x" is not a DNS label/],
    ['Foo Bar', /"Foo Bar" is not a DNS label.*for example "foo-bar"/],
    ['a/b', /"a\/b" is not a DNS label/],
    ['a'.repeat(64), /is 64 characters long/],
    ['', /service name is empty/],
    ['gateway', /reserved/],
    ['registry', /reserved/],
    ['-x', /not a DNS label/],
  ])('%j', async (name, message) => {
    // `--` so that names starting with a dash reach the command instead of the option parser.
    const { stderr } = await expectRefused(['create', '--no-install', '--', name], message);
    expect(stderr).toMatch(/lowercase letters, digits and dashes|another name/);
  });
});

describe('create refuses taken targets and unknown templates', () => {
  it('a service already in portico.yaml', async () => {
    await expectRefused(['create', 'orders', '--no-install'], /service "orders" is already in portico\.yaml/);
  });

  it('an existing target folder', async () => {
    await expectRefused(['create', 'leftover', '--no-install'], /services\/leftover already exists\. Nothing was written/);
  });

  it('an unknown template, listing the known ones', async () => {
    const { stderr } = await expectRefused(['create', 'users', '--template', 'node-nope', '--no-install'], /unknown template "node-nope"/);
    expect(stderr).toMatch(/node-express, node-fastify/);
  });
});

describe('create refuses bad ports, replicas and routes', () => {
  it.each([
    ['0', /port 0 is out of range/],
    ['65536', /port 65536 is out of range/],
    ['abc', /port "abc" is not a whole number/],
    ['30.5', /not a whole number/],
    ['-1', /not a whole number/],
  ])('--port %s', async (port, message) => {
    await expectRefused(['create', 'users', '--port', port, '--no-install'], message);
  });

  it.each(['abc', '21', '1.5'])('--replicas %s', async (replicas) => {
    await expectRefused(['create', 'users', '--replicas', replicas, '--no-install'], /--replicas .* must be a whole number from 0 to 20/);
  });

  it('a route without a leading slash', async () => {
    await expectRefused(['create', 'users', '--route', 'api/users', '--no-install'], /route "api\/users" must start with "\/", e\.g\. \/api\/users/);
  });

  it('a route with characters a URL path cannot hold', async () => {
    await expectRefused(['create', 'users', '--route', '/a b', '--no-install'], /not allowed in a URL path/);
  });

  it('two services on one route (also with a trailing slash, and by default name)', async () => {
    await expectRefused(['create', 'users', '--route', '/orders', '--no-install'], /route \/orders is already served by service "orders"/);
    await expectRefused(['create', 'users', '--route', '/orders/', '--no-install'], /already served by service "orders"/);
  });
});

describe('create refuses to run without a usable workspace', () => {
  it('outside a workspace without a TTY and without --yes', async () => {
    const dir = await tempDir({ 'notes.txt': 'x' });
    const { stderr } = await expectRefused(['create', 'users', '--no-install'], /no portico\.yaml found/, dir);
    expect(stderr).toMatch(/portico init.*--yes/);
  });

  it('with a manifest that has unknown keys or bad YAML', async () => {
    const dir = await tempDir({ 'portico.yaml': 'version: 1\nname: shop\nbogus: true\n' });
    await expectRefused(['create', 'users', '--no-install'], /portico\.yaml:3:\d+ unknown key "bogus"/, dir);
    const broken = await tempDir({ 'portico.yaml': 'version: 1\nname: [shop\n' });
    const result = await runCli(['create', 'users', '--no-install'], { cwd: broken });
    expect(result.code).toBe(2);
    expect(await readTree(broken)).toEqual({ 'portico.yaml': 'version: 1\nname: [shop\n' });
  });
});
