// `portico generate`, `validate` and `templates` run in-process through main() against temp
// workspaces, with captured output.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderArtifacts } from '../../src/compile/generate.js';
import { checkGeneratedFiles, writeGeneratedFiles } from '../../src/workspace/generated-files.js';
import { parseManifest } from '../../src/manifest/load.js';
import { loadValidManifest } from '../../src/scaffold/valid-manifest.js';
import { SAMPLE_MANIFEST } from '../helpers/sample-manifest.js';
import { readTree, runCli, templateFixtures, tempDir, type FileMap } from '../helpers/workspace.js';

/** In the order they are rendered (and reported). */
const RENDERED = ['.portico/gateway.json', '.portico/discovery.json', '.portico/portico.schema.json'];
/** As readTree lists them. */
const GENERATED = [...RENDERED].sort();

async function workspace(files: FileMap = { 'portico.yaml': SAMPLE_MANIFEST }) {
  const templates = await tempDir(templateFixtures(['node-fastify', 'node-express']));
  const dir = await tempDir(files);
  return { dir, env: { PORTICO_TEMPLATES_DIR: templates } };
}
const generatedIn = async (dir: string) => Object.keys(await readTree(dir)).filter((f) => f.startsWith('.portico/'));

describe('portico generate', () => {
  it('writes the three generated files, exactly what renderArtifacts renders', async () => {
    const { dir, env } = await workspace();
    const result = await runCli(['generate'], { cwd: dir, env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(RENDERED.map((f) => `wrote ${f}\n`).join(''));
    expect(await generatedIn(dir)).toEqual(GENERATED);
    for (const a of renderArtifacts(parseManifest(SAMPLE_MANIFEST, 'x').manifest)) {
      expect(await readFile(path.join(dir, a.relativePath), 'utf8')).toBe(a.content);
    }
    expect(await readFile(path.join(dir, 'portico.yaml'), 'utf8')).toBe(SAMPLE_MANIFEST);
  });

  it('writes nothing the second time and says it is up to date', async () => {
    const { dir, env } = await workspace();
    await runCli(['generate'], { cwd: dir, env });
    const result = await runCli(['generate'], { cwd: dir, env });
    expect(result).toEqual({ code: 0, stdout: '✓ generated files are up to date\n', stderr: '' });
  });

  it('works from a subdirectory and with -C', async () => {
    const { dir, env } = await workspace({ 'portico.yaml': SAMPLE_MANIFEST, 'services/orders/README.md': 'x' });
    expect((await runCli(['generate'], { cwd: path.join(dir, 'services/orders'), env })).code).toBe(0);
    expect(await generatedIn(dir)).toEqual(GENERATED);
    await rm(path.join(dir, '.portico'), { recursive: true });
    expect((await runCli(['-C', dir, 'generate'], { cwd: '/', env })).code).toBe(0);
    expect(await generatedIn(dir)).toEqual(GENERATED);
  });

  it('--check passes when up to date', async () => {
    const { dir, env } = await workspace();
    await runCli(['generate'], { cwd: dir, env });
    expect(await runCli(['generate', '--check'], { cwd: dir, env })).toEqual({ code: 0, stdout: '✓ generated files are up to date\n', stderr: '' });
  });

  it('--check exits 1 listing missing files and writes nothing', async () => {
    const { dir, env } = await workspace();
    const result = await runCli(['generate', '--check'], { cwd: dir, env });
    expect(result.code).toBe(1);
    for (const f of GENERATED) expect(result.stderr).toContain(`${f} (missing)`);
    expect(result.stderr).toContain('Run `portico generate`');
    expect(await generatedIn(dir)).toEqual([]);
  });

  it('--check exits 1 after the manifest changed, and leaves the stale files alone', async () => {
    const { dir, env } = await workspace();
    await runCli(['generate'], { cwd: dir, env });
    const before = await readTree(dir);
    await writeFile(path.join(dir, 'portico.yaml'), SAMPLE_MANIFEST.replace('replicas: 2', 'replicas: 3'));
    const result = await runCli(['generate', '--check'], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('.portico/discovery.json (stale)');
    expect(result.stderr).not.toContain('gateway.json');
    const after = await readTree(dir);
    expect(after['.portico/discovery.json']).toBe(before['.portico/discovery.json']);
  });

  it('--check notices a hand-edited file; generate repairs only that file', async () => {
    const { dir, env } = await workspace();
    await runCli(['generate'], { cwd: dir, env });
    await writeFile(path.join(dir, '.portico/gateway.json'), '{}\n');
    expect((await runCli(['generate', '--check'], { cwd: dir, env })).stderr).toContain('.portico/gateway.json (stale)');
    expect((await runCli(['generate'], { cwd: dir, env })).stdout).toBe('wrote .portico/gateway.json\n');
  });

  it('a file where .portico/ should be is one paragraph naming it (exit 1), not an internal error', async () => {
    const dir = await tempDir({ 'portico.yaml': 'version: 1\nname: shop\n', '.portico': 'not a folder' });
    for (const argv of [['generate'], ['generate', '--check']]) {
      const result = await runCli(argv, { cwd: dir });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^error cannot (write|read) .*\.portico\/gateway\.json: a file is in the way where a folder is needed \(ENOTDIR\)\.\nhint {2}Fix that, then run `portico generate`/);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('exits 2 outside a workspace', async () => {
    const dir = await tempDir();
    const result = await runCli(['generate'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no portico.yaml found.*\n.*portico init/);
  });
});

describe('writeGeneratedFiles / checkGeneratedFiles', () => {
  it('reports what it wrote and what is stale', async () => {
    const { dir, env } = await workspace();
    const loaded = await loadValidManifest(dir, { env });
    expect(await checkGeneratedFiles(loaded)).toEqual(RENDERED.map((relativePath) => ({ relativePath, state: 'missing' })));
    expect((await writeGeneratedFiles(loaded)).written).toHaveLength(3);
    expect(await checkGeneratedFiles(loaded)).toEqual([]);
    expect(await writeGeneratedFiles(loaded)).toEqual({ written: [] });
    // No temporary files left behind by the atomic write.
    expect(await generatedIn(dir)).toEqual(GENERATED);
  });
});

describe('portico validate', () => {
  it('prints one OK line with counts', async () => {
    const { dir, env } = await workspace();
    expect(await runCli(['validate'], { cwd: dir, env })).toEqual({ code: 0, stdout: '✓ portico.yaml is valid (3 services, 3 routes)\n', stderr: '' });
  });

  it('--json prints one document', async () => {
    const { dir, env } = await workspace();
    const result = await runCli(['validate', '--json'], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ valid: true, file: path.join(dir, 'portico.yaml'), problems: [] });
  });

  it('--json outside a workspace still prints a document and exits 2', async () => {
    const dir = await tempDir();
    const result = await runCli(['validate', '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, file: null, problems: [{ message: expect.stringMatching(/no portico.yaml/) }] });
  });

  it('lists every problem with file:line:column', async () => {
    const { dir, env } = await workspace({ 'portico.yaml': 'version: 1\nname: shop\nservices:\n  a:\n    template: nope\n    dependsOn: [zz]\n' });
    const result = await runCli(['validate'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/not valid \(2 problems\)/);
    expect(result.stderr).toMatch(/portico\.yaml:5:15 services\.a\.template: unknown template "nope"/);
    expect(result.stderr).toMatch(/portico\.yaml:6:17 services\.a\.dependsOn\.0: depends on "zz"/);
  });
});

describe('portico templates', () => {
  it('lists templates with descriptions and marks the default; ignores _shared and unfinished folders', async () => {
    const root = await tempDir({
      ...templateFixtures(['node-fastify', 'node-express']),
      'service/_shared/src/x.ts': '',
      'service/half-written/package.json': '{}',
    });
    const result = await runCli(['templates'], { cwd: root, env: { PORTICO_TEMPLATES_DIR: root } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'node-express  node-express test template\nnode-fastify  node-fastify test template (default)\n\nUse one with: portico create <name> --template <id>\n',
    );
  });

  it('--json', async () => {
    const root = await tempDir(templateFixtures(['node-fastify']));
    const result = await runCli(['templates', '--json'], { cwd: root, env: { PORTICO_TEMPLATES_DIR: root } });
    expect(JSON.parse(result.stdout)).toEqual([
      { id: 'node-fastify', description: 'node-fastify test template', defaultPort: 3000, language: 'typescript', default: true },
    ]);
  });

  it('exits 1 when no templates are installed', async () => {
    const root = await tempDir();
    const result = await runCli(['templates'], { cwd: root, env: { PORTICO_TEMPLATES_DIR: root } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no templates found/);
  });
});
