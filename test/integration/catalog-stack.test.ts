// The API catalog on the real engine: a stack with two template services (alpha on fastify
// with 2 replicas, beta on express behind an API key). The gateway collects both documents
// from passing instances; the merged document validates and lists the public paths; the
// admin surfaces answer 401 and no data without the workspace's admin token; `portico catalog
// --json` and `portico openapi -o` work; a service whose document turns invalid still routes
// and the catalog shows the parser's message.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateOpenApi } from '../../src/runtime/gateway/features/catalog/validate-document.js';
import { cleanup, makeWorkspace, portico, randomProject } from './helpers/stack.js';

const API_KEY = 'catalog-test-key-0123456789';

describe('API catalog (real engine)', () => {
  const project = randomProject();
  let dir: string;
  let gatewayUrl: string;
  let token: string;
  const admin = () => ({ authorization: `Bearer ${token}` });

  /** GET the catalog until every document has an outcome (collection follows the instances). */
  async function settledCatalog(ready: (services: any[]) => boolean = () => true): Promise<any> {
    const end = Date.now() + 60_000;
    for (;;) {
      const r = await portico(dir, ['catalog', '--json']);
      if (r.exitCode === 0) {
        const listing = JSON.parse(r.stdout);
        if (listing.services.every((s: any) => s.openapi.state !== 'pending') && ready(listing.services)) return listing;
      }
      if (Date.now() > end) throw new Error(`catalog did not settle:\n${r.all}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    const file = path.join(dir, 'portico.yaml');
    const manifest = (await readFile(file, 'utf8'))
      .replace(/^gateway:\n/m, `gateway:\n  auth:\n    apiKeys: [{ name: ci, env: CATALOG_KEY }]\n`)
      .replace(/(  beta:\n)/, `$1    description: Beta orders\n    owner: team-beta\n    tags: [demo]\n`)
      .replace(/(      - path: \/api\/beta)\n/, `$1\n        auth: required\n`);
    await writeFile(file, manifest);
    await writeFile(path.join(dir, '.env'), `CATALOG_KEY=${API_KEY}\n`);
    const up = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(up.exitCode, up.all).toBe(0);
    gatewayUrl = JSON.parse(up.stdout).gateway.url;
    token = (await readFile(path.join(dir, '.portico', 'state', 'admin-token'), 'utf8')).trim();
  });
  afterAll(async () => {
    await cleanup(dir);
  });

  it('keeps the admin token in .portico/state with mode 0600, out of the manifest and the generated config', async () => {
    const info = await stat(path.join(dir, '.portico', 'state', 'admin-token'));
    expect(info.mode & 0o777).toBe(0o600);
    expect(token.length).toBeGreaterThanOrEqual(32);
    for (const f of ['portico.yaml', '.portico/gateway.json', '.portico/discovery.json']) expect(await readFile(path.join(dir, f), 'utf8')).not.toContain(token);
  });

  it('answers 401 and no data without the admin token', async () => {
    for (const p of ['/_portico/catalog', '/_portico/openapi.json', '/_portico/catalog/alpha/openapi.json']) {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-token' }, { 'x-api-key': API_KEY }];
      for (const headers of attempts) {
        const res = await fetch(`${gatewayUrl}${p}`, { headers });
        expect(res.status, p).toBe(401);
        const body = (await res.json()) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(['error', 'message']);
        expect(JSON.stringify(body)).not.toMatch(/alpha|beta|items/);
      }
    }
  });

  it('portico catalog --json lists both services with operations, auth, owners, versions and health', async () => {
    const listing = await settledCatalog((services) => services.find((s: any) => s.service === 'alpha')?.health.passing === 2);
    expect(listing.project).toBe(project);
    const by = Object.fromEntries(listing.services.map((s: any) => [s.service, s]));
    expect(Object.keys(by).sort()).toEqual(['alpha', 'beta']);
    expect(by.alpha).toMatchObject({ version: '0.1.0', health: { status: 'passing', passing: 2, total: 2 }, openapi: { source: 'served', state: 'ok', error: null } });
    expect(by.alpha.openapi.operations).toBeGreaterThanOrEqual(4);
    expect(by.beta).toMatchObject({ description: 'Beta orders', owner: 'team-beta', tags: ['demo'], health: { status: 'passing', passing: 1, total: 1 }, openapi: { state: 'ok' } });
    expect(by.beta.routes).toEqual([expect.objectContaining({ path: '/api/beta', auth: 'required' })]);
    const human = await portico(dir, ['catalog']);
    expect(human.exitCode, human.all).toBe(0);
    expect(human.stdout).toMatch(/^SERVICE\s+OPERATIONS\s+AUTH\s+HEALTH/m);
    expect(human.stdout).toMatch(/^beta\s+\d+\s+required\s+passing 1\/1\s+ok/m);
  });

  it('publishes one merged document that validates, lists the public paths, points at the gateway and marks the protected route', async () => {
    const res = await fetch(`${gatewayUrl}/_portico/openapi.json`, { headers: admin() });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(await validateOpenApi(doc)).toMatchObject({ ok: true });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/alpha/items', '/api/alpha/items/{id}', '/api/beta/items', '/api/beta/items/{id}']));
    expect(doc.servers[0].url).toBe(gatewayUrl);
    expect(doc.paths['/api/beta/items'].get.security).toEqual([{ porticoApiKey: [] }]);
    expect(doc.paths['/api/alpha/items'].get.security).toEqual([]);
    expect(doc.components.securitySchemes.porticoApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    // The paths really are served: the public path answers through the gateway.
    expect((await fetch(`${gatewayUrl}/api/alpha/items`)).status).toBe(200);
    expect((await fetch(`${gatewayUrl}/api/beta/items`)).status).toBe(401);
    expect((await fetch(`${gatewayUrl}/api/beta/items`, { headers: { 'x-api-key': API_KEY } })).status).toBe(200);
  });

  it('portico openapi -o writes the merged document for client generators', async () => {
    const r = await portico(dir, ['openapi', '-o', 'client/openapi.json']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/wrote client\/openapi\.json \(\d+ paths\)/);
    const doc = JSON.parse(await readFile(path.join(dir, 'client', 'openapi.json'), 'utf8'));
    expect(Object.keys(doc.paths)).toContain('/api/beta/items');
    const stdout = await portico(dir, ['openapi']);
    expect(JSON.parse(stdout.stdout).paths['/api/alpha/items']).toBeDefined();
  });

  it('a service whose document is invalid still routes, and the catalog shows the parser message', async () => {
    await mkdir(path.join(dir, 'api'), { recursive: true });
    await writeFile(path.join(dir, 'api', 'beta.yaml'), 'openapi: 3.1.0\ninfo: { title: beta }\npaths: {}\n');
    const file = path.join(dir, 'portico.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/(  beta:\n)/, `$1    openapi: api/beta.yaml\n`));
    const generate = await portico(dir, ['generate']);
    expect(generate.exitCode, generate.all).toBe(0);
    // The gateway hot-reloads gateway.json, which now carries the file's document.
    const listing = await settledCatalog((services) => services.find((s: any) => s.service === 'beta')?.openapi.source === 'file');
    const beta = listing.services.find((s: any) => s.service === 'beta');
    expect(beta.openapi).toMatchObject({ source: 'file', state: 'invalid', from: 'api/beta.yaml', operations: 0 });
    expect(beta.openapi.error).toMatch(/must have required property 'version'/);
    const alpha = listing.services.find((s: any) => s.service === 'alpha');
    expect(alpha.openapi.state).toBe('ok');
    expect((await fetch(`${gatewayUrl}/api/beta/items`, { headers: { 'x-api-key': API_KEY } })).status).toBe(200);
    const merged = (await (await fetch(`${gatewayUrl}/_portico/openapi.json`, { headers: admin() })).json()) as any;
    expect(Object.keys(merged.paths)).toContain('/api/alpha/items');
    expect(Object.keys(merged.paths)).not.toContain('/api/beta/items');
    const human = await portico(dir, ['catalog']);
    expect(human.stdout).toMatch(/beta invalid: .*version/s);
    const validate = await portico(dir, ['validate']);
    expect(validate.exitCode).toBe(0);
    expect(validate.stderr).toMatch(/warning portico\.yaml:\d+:\d+ services\.beta\.openapi: api\/beta\.yaml describes no paths, but the service's routes serve paths/);
  });
});
