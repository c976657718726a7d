import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PorticoError } from '../../src/core/errors.js';
import { templatesDir } from '../../src/core/paths.js';
import { getTemplate } from '../../src/scaffold/catalog.js';
import { renderTemplateText } from '../../src/scaffold/handlebars.js';
import { renderService, sharedDirFor, type ServiceVars } from '../../src/scaffold/service.js';
import { isTextFile, readTemplateFiles, renderFiles, renderPath } from '../../src/scaffold/template-files.js';
import { FileTree } from '../../src/scaffold/tree.js';
import { toDnsName } from '../../src/manifest/names.js';
import { renderWorkflow, renderWorkspace, WORKFLOW_FILE } from '../../src/scaffold/workspace.js';

const nasty = 'He said "hi"\nthen: left # not a comment\n\\ {{name}} <b>&amp;</b>';

describe('handlebars for source files', () => {
  it('emits values through format-aware helpers, without HTML escaping', () => {
    const json = renderTemplateText('{ "description": {{json d}} }', { d: nasty }, 't.json');
    expect(JSON.parse(json).description).toBe(nasty);
    const yaml = renderTemplateText('description: {{yaml d}}\nname: x\n', { d: nasty }, 't.yaml');
    expect(parseYaml(yaml)).toEqual({ description: nasty, name: 'x' });
    expect(renderTemplateText('# {{oneline d}}', { d: 'a\n\n b' }, 'README.md')).toBe('# a b');
    expect(renderTemplateText('<{{name}}>', { name: 'a&b' }, 'x')).toBe('<a&b>');
  });

  it('fails on a missing variable (strict mode), naming the template file', () => {
    const run = () => renderTemplateText('hello {{nope}}', { name: 'x' }, 'svc/README.md');
    expect(run).toThrow(PorticoError);
    expect(run).toThrow(/svc\/README\.md.*"nope" not defined/);
    expect(() => renderTemplateText('{{json nope}}', {}, 'x')).toThrow(/undefined/);
  });

  it('keeps prototype access blocked: inherited properties render as nothing, and cannot be walked', () => {
    expect(renderTemplateText('[{{name.constructor}}][{{name.__proto__}}]', { name: {} }, 'x')).toBe('[][]');
    expect(() => renderTemplateText('{{name.constructor.name}}', { name: {} }, 'x')).toThrow(/not defined/);
    expect(renderTemplateText('{{name.own}}', { name: { own: 'ok' } }, 'x')).toBe('ok');
  });

  it('passes text without mustaches through unchanged (no compile), whatever else it holds', () => {
    const source = 'const a = { b: {} }; // ${x} {#if} {/if}\n';
    expect(renderTemplateText(source, {}, 'src/app.ts')).toBe(source);
    // A lone "}}" or "\\{" is not a mustache: strict mode has nothing to complain about.
    expect(renderTemplateText('x }} y \\{ z', {}, 'x')).toBe('x }} y \\{ z');
  });
});

describe('template paths and file kinds', () => {
  it('replaces __tokens__, renames _gitignore and refuses unknown tokens', () => {
    expect(renderPath('src/__name__/__name__.ts', { name: 'orders' })).toBe('src/orders/orders.ts');
    expect(renderPath('_gitignore', {})).toBe('.gitignore');
    expect(() => renderPath('__nope__.ts', { name: 'x' })).toThrow(/__nope__/);
  });

  it('renders text files only; binary files are copied untouched', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x7b, 0x7b]); // contains "{{"
    const out = renderFiles(
      [
        { path: 'a.json', content: Buffer.from('{{json name}}') },
        { path: 'logo.png', content: png },
      ],
      { name: 'x' },
      'fixture',
    );
    expect(out[0]!.content).toBe('"x"');
    expect(out[1]!.content).toBe(png);
    expect(['Dockerfile', '_gitignore', 'x.ts', 'a/b.yml', '.env.example'].every(isTextFile)).toBe(true);
    expect(isTextFile('font.woff2')).toBe(false);
  });

  it('makes directory names DNS-safe', () => {
    expect(toDnsName('My Shop_2')).toBe('my-shop-2');
    expect(toDnsName('123')).toBe('');
    expect(toDnsName('-Api-')).toBe('api');
    expect(toDnsName('Café Crème')).toBe('cafe-creme');
  });
});

const vars = (template: string): ServiceVars => ({
  name: 'orders',
  port: 3100,
  route: '/api/orders',
  description: nasty,
  project: 'shop',
  template,
});

async function renderServiceFiles(template: string) {
  const info = await getTemplate(template);
  if (!info) throw new Error(`no template ${template}`);
  const tree = new FileTree('/virtual');
  const files = await renderService(tree, 'services/orders', info.dir, vars(template));
  const shared = (await readTemplateFiles(sharedDirFor(info.dir))).map((f) => renderPath(f.path, { name: 'orders' }));
  const text = (p: string) => String(tree.read(`services/orders/${p}`));
  return { files, shared, text };
}

describe.each(['node-fastify', 'node-express'])('service template %s', (template) => {
  it('renders the template folder plus the shared files', async () => {
    const { files, shared, text } = await renderServiceFiles(template);
    const own = (await readTemplateFiles(path.join(templatesDir(), 'service', template)))
      .map((f) => renderPath(f.path, { name: 'orders' }))
      .filter((p) => p !== 'template.json');
    expect(files).toEqual([...new Set([...own, ...shared])].sort());
    expect(files).toContain('.gitignore');
    expect(files).toContain('src/registry-client.ts');
    // The template's own files (the shared ones belong to other modules and change with them).
    expect(own.sort()).toMatchSnapshot('file list');
    expect(JSON.parse(text('package.json'))).toMatchObject({ name: 'orders', description: nasty, type: 'module' });
    expect(text('package.json')).toMatchSnapshot('package.json');
    expect(text('src/config.ts')).toMatchSnapshot('src/config.ts');
    expect(text('Dockerfile')).toMatchSnapshot('Dockerfile');
  });

  it('logs the port it actually listens on (PORT=0 picks a free one)', async () => {
    const index = (await renderServiceFiles(template)).text('src/index.ts');
    // Fastify logs "Server listening at ..." itself; the Express template logs server.address().
    if (template === 'node-express') expect(index).toMatch(/log\.info\(\{ port: \(server\.address\(\) as AddressInfo\)\.port \}, 'listening'\)/);
    else expect(index).toMatch(/app\.listen\(/);
  });

  it('has a Dockerfile that copies only dist/, runs as uid 1000 and checks health without curl', async () => {
    const dockerfile = (await renderServiceFiles(template)).text('Dockerfile');
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:20-slim$/m);
    expect(dockerfile.match(/^COPY .*/gm)).toEqual(['COPY dist/ ./dist/']);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^EXPOSE 3100$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", "fetch\(/m);
    expect(dockerfile.replace(/^\s*#.*$/gm, '')).not.toMatch(/curl|wget/);
  });
});

describe('workspace template', () => {
  it('renders portico.yaml, README, .gitignore, .env.example and the CI workflow', async () => {
    const tree = new FileTree('/virtual');
    const files = await renderWorkspace(tree, { name: 'shop', envPrefix: 'SHOP', porticoVersion: '1.2.3' });
    expect(files.sort()).toEqual(['.env.example', WORKFLOW_FILE, '.gitignore', 'README.md', 'portico.yaml'].sort());
    const manifest = String(tree.read('portico.yaml'));
    expect(manifest.split('\n')[0]).toBe('# yaml-language-server: $schema=./.portico/portico.schema.json');
    expect(parseYaml(manifest)).toEqual({ version: 1, name: 'shop', gateway: { port: 8080 }, services: {} });
    expect(String(tree.read('.gitignore')).split('\n')).toEqual(expect.arrayContaining(['node_modules/', 'dist/', '.env', '.portico/state/']));
    expect(manifest).toMatchSnapshot('portico.yaml');
  });

  it('has one workflow: what init writes is what `portico ci` prints', async () => {
    const wsVars = { name: 'shop', envPrefix: 'SHOP', porticoVersion: '1.2.3' };
    const tree = new FileTree('/virtual');
    await renderWorkspace(tree, wsVars);
    const workflow = await renderWorkflow(wsVars);
    expect(String(tree.read(WORKFLOW_FILE))).toBe(workflow);
    const steps = parseYaml(workflow).jobs.stack.steps as { run?: string; uses?: string; if?: string }[];
    const runs = steps.map((s) => s.run ?? s.uses);
    expect(runs).toEqual(
      expect.arrayContaining(['actions/checkout@v4', 'actions/setup-node@v4', 'npm install -g portico@1.2.3', 'portico validate', 'portico generate --check', 'portico up --wait --timeout 180', 'portico down']),
    );
    const order = ['portico validate', 'portico generate --check', 'portico up --wait --timeout 180', 'portico down'].map((r) => runs.indexOf(r));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(steps.find((s) => s.run === 'portico down')!.if).toBe('always()');
  });
});
