import { describe, expect, it } from 'vitest';
import { getTemplate, listTemplates, pickTemplate, requireTemplate, templatesRootFor } from '../../src/scaffold/catalog.js';
import { templatesDir } from '../../src/core/paths.js';
import { templateFixtures, tempDir } from '../helpers/workspace.js';

describe('template catalog', () => {
  it('reads template.json of each folder, sorted, skipping _ folders and folders without one', async () => {
    const root = await tempDir({ ...templateFixtures(['b-tpl', 'a-tpl']), 'service/_shared/template.json': '{}', 'service/wip/x': '' });
    const list = await listTemplates(root);
    expect(list.map((t) => t.id)).toEqual(['a-tpl', 'b-tpl']);
    expect(list[0]).toEqual({ id: 'a-tpl', description: 'a-tpl test template', defaultPort: 3000, language: 'typescript', shared: true, build: 'host', testCommand: 'npm test', dir: `${root}/service/a-tpl` });
    expect((await getTemplate('b-tpl', root))?.id).toBe('b-tpl');
    expect(await getTemplate('nope', root)).toBeUndefined();
  });

  it('is empty when the folder does not exist', async () => {
    expect(await listTemplates('/nonexistent-portico-templates')).toEqual([]);
  });

  it('an unknown id is a usage error listing the known ones', async () => {
    const root = await tempDir(templateFixtures(['node-fastify']));
    await expect(requireTemplate('nope', root)).rejects.toMatchObject({ exitCode: 2, message: 'unknown template "nope".', hint: expect.stringContaining('node-fastify') });
  });

  it('picks from a list already read, without touching the disk', () => {
    const listed = [{ id: 'a', description: 'A', defaultPort: 1, language: 'ts', shared: true, build: 'host' as const, testCommand: 'npm test', dir: '/nowhere/a' }];
    expect(pickTemplate('a', listed)).toBe(listed[0]);
    expect(() => pickTemplate('b', listed)).toThrow(/unknown template "b"/);
    expect(() => pickTemplate('b', [])).toThrow(expect.objectContaining({ hint: expect.stringContaining('(none installed)') }));
  });

  it('rejects a broken template.json and an id that differs from the folder', async () => {
    const broken = await tempDir({ 'service/x/template.json': '{"id":"x"}' });
    await expect(listTemplates(broken)).rejects.toThrow(/not a valid template description/);
    const renamed = await tempDir({ 'service/x/template.json': JSON.stringify({ id: 'y', description: 'd', defaultPort: 1, language: 'ts' }) });
    await expect(listTemplates(renamed)).rejects.toThrow(/has id "y" but lives in folder "x"/);
  });

  it('uses PORTICO_TEMPLATES_DIR when set, else the package templates', () => {
    expect(templatesRootFor({ PORTICO_TEMPLATES_DIR: '/x/t' })).toBe('/x/t');
    expect(templatesRootFor({})).toBe(templatesDir());
  });
});
