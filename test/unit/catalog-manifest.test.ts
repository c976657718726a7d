// The catalog's host side: manifest keys (openapi, description, owner, tags) compiled into
// gateway.json, workspace OpenAPI files read by `generate` (JSON or YAML, or the reason they
// could not be), and `portico validate`'s warning for routes their document does not describe.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compileCatalog } from '../../src/compile/catalog.js';
import { compileGateway } from '../../src/compile/gateway.js';
import { openApiCoverageWarnings } from '../../src/compile/openapi-coverage.js';
import { readOpenApiFiles } from '../../src/workspace/read-openapi-files.js';
import { parseManifest } from '../../src/manifest/load.js';
import { manifestJsonSchema } from '../../src/manifest/schema.js';
import { gatewayConfigSchema } from '../../src/runtime/contract/index.js';
import { runCli, templateFixtures, tempDir } from '../helpers/workspace.js';

const MANIFEST = `version: 1
name: shop
gateway: { auth: { apiKeys: [{ name: ci, env: CI_KEY }] } }
services:
  orders:
    template: node-fastify
    description: Orders of the shop
    owner: team-orders
    tags: [core, billing]
    routes: [{ path: /api/orders, auth: required }]
  legacy:
    image: nginx:1
    port: 80
    openapi: api/legacy.yaml
    routes:
      - { path: /legacy, stripPrefix: false }
      - { path: /old, methods: [GET, DELETE] }
  cache:
    image: redis:7
    port: 6379
  quiet:
    template: node-express
    openapi: false
  proxy:
    image: envoy:1
    openapi: { path: /docs/openapi.json }
`;
const LEGACY = `openapi: 3.0.3
info: { title: legacy, version: "1" }
paths:
  /legacy/things:
    get: { responses: { "200": { description: ok } } }
  /status:
    get: { responses: { "200": { description: ok } } }
`;

const parse = (text = MANIFEST) => parseManifest(text, 'portico.yaml');

describe('catalog manifest keys', () => {
  it('compile into gateway.json with their defaults: template services serve /openapi.json, images have none', () => {
    const { catalog, admin } = compileGateway(parse().manifest, { legacy: { document: { openapi: '3.0.3' } } });
    expect(admin).toEqual({ tokenEnv: 'PORTICO_ADMIN_TOKEN' });
    expect(catalog!.services.orders).toEqual({ description: 'Orders of the shop', owner: 'team-orders', tags: ['core', 'billing'], openapi: { source: 'served', path: '/openapi.json' } });
    expect(catalog!.services.legacy!.openapi).toEqual({ source: 'file', file: 'api/legacy.yaml', document: { openapi: '3.0.3' }, error: null });
    expect(catalog!.services.cache!.openapi).toEqual({ source: 'none' });
    expect(catalog!.services.quiet!.openapi).toEqual({ source: 'none' });
    expect(catalog!.services.proxy!.openapi).toEqual({ source: 'served', path: '/docs/openapi.json' });
  });

  it('a workspace file that was not read, or could not be, carries the reason', () => {
    expect(compileCatalog(parse().manifest, {}).services.legacy!.openapi).toMatchObject({ source: 'file', document: null, error: expect.stringMatching(/not read/) });
    expect(compileCatalog(parse().manifest, { legacy: { error: 'api/legacy.yaml does not exist' } }).services.legacy!.openapi).toMatchObject({ error: 'api/legacy.yaml does not exist' });
  });

  it('the result is accepted by the gateway contract, and the JSON schema export still works', () => {
    const config = compileGateway(parse().manifest);
    expect(gatewayConfigSchema.parse(config)).toEqual(config);
    const schema = JSON.stringify(manifestJsonSchema());
    expect(schema).toContain('"openapi"');
    expect(schema).toContain('"owner"');
  });

  it('refuses a bad openapi key with a clear message', () => {
    expect(() => parse(MANIFEST.replace('openapi: false', 'openapi: 42'))).toThrow(/openapi/);
  });
});

describe('readOpenApiFiles', () => {
  it('reads YAML or JSON documents relative to portico.yaml', async () => {
    const dir = await tempDir({ 'portico.yaml': MANIFEST, 'api/legacy.yaml': LEGACY });
    const loaded = { ...parse(), dir };
    const files = await readOpenApiFiles(loaded);
    expect(Object.keys(files)).toEqual(['legacy']);
    expect(files.legacy).toMatchObject({ document: { openapi: '3.0.3', paths: { '/legacy/things': {} } } });
  });

  it('gives the reason for a missing file, a file outside the workspace, or broken YAML', async () => {
    const dir = await tempDir({ 'portico.yaml': MANIFEST });
    expect((await readOpenApiFiles({ ...parse(), dir })).legacy).toEqual({ error: 'api/legacy.yaml does not exist' });
    const outside = parse(MANIFEST.replace('api/legacy.yaml', '../elsewhere.yaml'));
    expect((await readOpenApiFiles({ ...outside, dir })).legacy).toMatchObject({ error: expect.stringMatching(/outside the workspace/) });
    await writeFile(path.join(dir, 'broken.yaml'), 'openapi: [unclosed');
    const broken = parse(MANIFEST.replace('api/legacy.yaml', 'broken.yaml'));
    expect((await readOpenApiFiles({ ...broken, dir })).legacy).toMatchObject({ error: expect.stringMatching(/could not be read/) });
  });
});

describe('openApiCoverageWarnings', () => {
  it('warns for a route whose document describes nothing under it, and for methods it forwards without an operation', () => {
    const manifest = parse(MANIFEST.replace('/legacy, stripPrefix: false', '/nothing, stripPrefix: false')).manifest;
    const document = parseYaml(LEGACY);
    const warnings = openApiCoverageWarnings(manifest, { legacy: { document } });
    expect(warnings).toEqual([
      { path: ['services', 'legacy', 'routes', 0], message: expect.stringMatching(/route \/nothing serves paths api\/legacy.yaml does not describe/) },
      { path: ['services', 'legacy', 'routes', 1], message: expect.stringMatching(/forwards DELETE, but api\/legacy.yaml describes no DELETE operation/) },
    ]);
  });

  it('warns once for a document without paths', () => {
    const warnings = openApiCoverageWarnings(parse().manifest, { legacy: { document: { openapi: '3.1.0', paths: {} } } });
    expect(warnings).toEqual([{ path: ['services', 'legacy', 'openapi'], message: "api/legacy.yaml describes no paths, but the service's routes serve paths." }]);
  });

  it('is silent when the routes are described, and only checks workspace files', () => {
    const document = parseYaml(LEGACY);
    const manifest = parse(MANIFEST.replace('methods: [GET, DELETE]', 'methods: [GET]')).manifest;
    expect(openApiCoverageWarnings(manifest, { legacy: { document } })).toEqual([]);
  });

  it('`portico validate` prints the warning with file:line:column and still exits 0 (also with --json, on stderr)', async () => {
    const templates = await tempDir(templateFixtures(['node-fastify', 'node-express']));
    const dir = await tempDir({ 'portico.yaml': MANIFEST, 'api/legacy.yaml': LEGACY });
    const env = { PORTICO_TEMPLATES_DIR: templates };
    const human = await runCli(['validate'], { cwd: dir, env });
    expect(human.code).toBe(0);
    expect(human.stderr).toMatch(/warning portico\.yaml:\d+:\d+ services\.legacy\.routes\.1: route \/old forwards DELETE/);
    const json = await runCli(['validate', '--json'], { cwd: dir, env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ valid: true, file: path.join(dir, 'portico.yaml'), problems: [] });
    expect(json.stderr).toMatch(/forwards DELETE/);
  });
});

describe('portico catalog / openapi before the stack ran', () => {
  it('exit 3 with how to fix it when the workspace has no admin token yet (one JSON document with --json)', async () => {
    const dir = await tempDir({ 'portico.yaml': MANIFEST });
    const human = await runCli(['catalog'], { cwd: dir });
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(/no admin token yet/);
    expect(human.stderr).toMatch(/portico up/);
    const json = await runCli(['catalog', '--json'], { cwd: dir });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 3, message: expect.stringMatching(/no admin token/) } });
    expect((await runCli(['openapi', '-o', 'x.json'], { cwd: dir })).code).toBe(3);
  });
});
