// The catalog in a real in-process gateway (real sockets on 127.0.0.1): documents collected from
// instances and from gateway.json, validated by the parser, published admin-only; a service
// whose document is invalid or unreachable still routes and the catalog says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogService } from '../../src/runtime/contract/index.js';
import { validateOpenApi } from '../../src/runtime/gateway/features/catalog/validate-document.js';
import { startRegistry } from '../../src/runtime/registry/registry.js';
import { deadPort, discovery, gatewayConfig, route, send, startGateway, startUpstream, until, type RunningGateway, type Upstream } from './gateway-helpers.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const env = { ADMIN: TOKEN, CI_KEY: 'ci-key' } as NodeJS.ProcessEnv;
const admin = { authorization: `Bearer ${TOKEN}` };

const itemsDoc = (title: string) => ({
  openapi: '3.1.0',
  info: { title, version: '2.0.0' },
  paths: {
    '/items': { get: { operationId: 'listItems', responses: { '200': { description: 'ok' } } } },
    '/healthz': { get: { responses: { '200': { description: 'ok' } } } },
  },
});
const served = (over: Partial<CatalogService> = {}): CatalogService => ({ description: null, owner: null, tags: [], openapi: { source: 'served', path: '/openapi.json' }, ...over });

describe('gateway catalog', () => {
  let good: Upstream;
  let bad: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    const answer = (doc: unknown) => (req: { url?: string }, res: import('node:http').ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/openapi.json' ? doc : { url: req.url }));
    };
    good = await startUpstream('good', answer(itemsDoc('orders')));
    bad = await startUpstream('bad', answer({ openapi: '3.1.0', info: { title: 'broken' }, paths: {} }));
    const down = await deadPort();
    gw = await startGateway({
      env,
      config: gatewayConfig(
        [
          route({ id: 'orders#0', service: 'orders', path: '/api/orders', auth: 'required' }),
          route({ id: 'broken#0', service: 'broken', path: '/api/broken' }),
          route({ id: 'away#0', service: 'away', path: '/api/away' }),
          route({ id: 'filed#0', service: 'filed', path: '/api/filed', stripPrefix: false }),
        ],
        {
          auth: { apiKeys: [{ name: 'ci', env: 'CI_KEY' }], jwt: null },
          admin: { tokenEnv: 'ADMIN' },
          catalog: {
            services: {
              orders: served({ description: 'Orders of the shop', owner: 'team-orders', tags: ['core'] }),
              broken: served(),
              away: served(),
              filed: { description: null, owner: null, tags: [], openapi: { source: 'file', file: 'api/filed.yaml', document: { ...itemsDoc('filed'), paths: { '/api/filed/things': { get: { responses: { '200': { description: 'ok' } } } } } }, error: null } },
              cache: { description: 'redis', owner: null, tags: [], openapi: { source: 'none' } },
            },
          },
        },
      ),
      discovery: discovery({ orders: [good.port], broken: [bad.port], away: [down], filed: [good.port] }),
    });
    // Collection starts with the config; wait until every document has an outcome.
    await until(async () => {
      const list = (await send(gw.port, '/_portico/catalog', { headers: admin })).json();
      return list.services.every((s: any) => s.openapi.state !== 'pending');
    }, 10_000);
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([good?.close(), bad?.close()]);
  });

  it('answers 401 with no data without the admin token or with a wrong one', async () => {
    for (const path of ['/_portico/catalog', '/_portico/openapi.json', '/_portico/catalog/orders/openapi.json']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }]) {
        const reply = await send(gw.port, path, { headers });
        expect(reply.status).toBe(401);
        expect(Object.keys(reply.json())).toEqual(['error', 'message']);
        expect(reply.body).not.toContain('orders');
      }
    }
  });

  it('lists every service with owners, health and the state of its document', async () => {
    const { project, services } = (await send(gw.port, '/_portico/catalog', { headers: admin })).json();
    expect(project).toBe('test');
    const by = Object.fromEntries(services.map((s: any) => [s.service, s]));
    expect(Object.keys(by).sort()).toEqual(['away', 'broken', 'cache', 'filed', 'orders']);
    expect(by.orders).toMatchObject({ description: 'Orders of the shop', owner: 'team-orders', tags: ['core'], version: '2.0.0', openapi: { source: 'served', state: 'ok', operations: 2 } });
    expect(by.orders.health).toMatchObject({ status: 'passing', passing: 1, total: 1 });
    expect(by.orders.routes[0]).toMatchObject({ path: '/api/orders', auth: 'required' });
    expect(by.broken.openapi.state).toBe('invalid');
    expect(by.broken.openapi.error).toMatch(/must have required property 'version'/);
    expect(by.away.openapi.state).toBe('unavailable');
    expect(by.away.openapi.error).toMatch(/ECONNREFUSED|connect/);
    expect(by.filed.openapi).toMatchObject({ source: 'file', state: 'ok', from: 'api/filed.yaml', operations: 1 });
    expect(by.cache.openapi).toMatchObject({ source: 'none', state: 'none' });
  });

  it('publishes one merged, valid document with the public paths, servers at the gateway and the route security', async () => {
    const reply = await send(gw.port, '/_portico/openapi.json', { headers: admin });
    expect(reply.status).toBe(200);
    const doc = reply.json();
    expect(await validateOpenApi(doc)).toMatchObject({ ok: true });
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/filed/things', '/api/orders/healthz', '/api/orders/items']);
    expect(doc.servers[0].url).toBe(`http://127.0.0.1:${gw.port}`);
    expect(doc.paths['/api/orders/items'].get.security).toEqual([{ porticoApiKey: [] }]);
    expect(doc.components.securitySchemes.porticoApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it('publishes each service alone, and says why a service has no document', async () => {
    const orders = await send(gw.port, '/_portico/catalog/orders/openapi.json', { headers: admin });
    expect(orders.status).toBe(200);
    expect(Object.keys(orders.json().paths)).toEqual(['/api/orders/items', '/api/orders/healthz']);
    const broken = await send(gw.port, '/_portico/catalog/broken/openapi.json', { headers: admin });
    expect(broken.status).toBe(404);
    expect(broken.json()).toMatchObject({ error: 'no_document', state: 'invalid', message: expect.stringMatching(/version/) });
    expect((await send(gw.port, '/_portico/catalog/nope/openapi.json', { headers: admin })).status).toBe(404);
    expect((await send(gw.port, '/_portico/catalog', { method: 'POST', headers: admin })).status).toBe(405);
  });

  it('still routes the service whose document is invalid', async () => {
    const reply = await send(gw.port, '/api/broken/items');
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ url: '/items' });
  });

  it('follows a reload: a changed route prefix changes the published paths', async () => {
    const { config, discovery: d } = gw.gateway.current();
    await gw.gateway.reload({ ...config, routes: config.routes.map((r) => (r.service === 'orders' ? { ...r, path: '/v2/orders' } : r)) }, d);
    const doc = (await send(gw.port, '/_portico/openapi.json', { headers: admin })).json();
    expect(Object.keys(doc.paths)).toContain('/v2/orders/items');
    expect(Object.keys(doc.paths)).not.toContain('/api/orders/items');
  });
});

describe('gateway catalog without an admin token', () => {
  it('answers 401 to everyone', async () => {
    const up = await startUpstream('u');
    const gw = await startGateway({ env: {}, config: gatewayConfig([route({ service: 's', path: '/s' })], { admin: { tokenEnv: 'UNSET_ADMIN' } }), discovery: discovery({ s: [up.port] }) });
    try {
      const reply = await send(gw.port, '/_portico/catalog', { headers: { authorization: 'Bearer anything' } });
      expect(reply.status).toBe(401);
      expect(reply.json().message).toMatch(/no admin token/);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('gateway catalog with the live registry', () => {
  const REG_TOKEN = 'catalog-registry-token';

  it('collects the document when an instance passes, and again when the instances change version', async () => {
    const serve = (doc: unknown) => (req: { url?: string }, res: import('node:http').ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/openapi.json' ? doc : { status: 'ok' }));
    };
    const v1 = await startUpstream('v1', serve(itemsDoc('orders')));
    const v2 = await startUpstream('v2', serve({ ...itemsDoc('orders'), info: { title: 'orders', version: '3.0.0' }, paths: { '/things': { get: { responses: { '200': { description: 'ok' } } } } } }));
    const d = discovery({ orders: [] });
    Object.assign(d.services.orders!, { intervalMs: 200, timeoutMs: 200, failuresBeforeCritical: 1, startPeriodMs: 0 });
    const registry = await startRegistry({ discovery: d, token: REG_TOKEN, networks: [], host: '127.0.0.1', port: 0 });
    const gw = await startGateway({
      env: { ...env, REG_TOKEN },
      config: gatewayConfig([route({ id: 'orders#0', service: 'orders', path: '/o' })], {
        registry: { url: registry.url, tokenEnv: 'REG_TOKEN' },
        admin: { tokenEnv: 'ADMIN' },
        catalog: { services: { orders: served() } },
      }),
      discovery: d,
    });
    const register = (id: string, port: number, version: string) =>
      fetch(`${registry.url}/v1/services/orders/instances/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${REG_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ address: '127.0.0.1', port, version, healthPath: '/healthz' }),
      });
    const orders = async () => (await send(gw.port, '/_portico/catalog', { headers: admin })).json().services[0];
    try {
      expect((await orders()).openapi.state).toBe('pending');
      expect((await register('orders-1', v1.port, '1.0.0')).status).toBeLessThan(300);
      await until(async () => (await orders()).openapi.state === 'ok', 5000);
      expect(await orders()).toMatchObject({ version: '2.0.0', health: { status: 'passing', versions: ['1.0.0'] } });

      // A new version replaces the old one: the document is collected again.
      expect((await register('orders-2', v2.port, '2.0.0')).status).toBeLessThan(300);
      await fetch(`${registry.url}/v1/services/orders/instances/orders-1`, { method: 'DELETE', headers: { authorization: `Bearer ${REG_TOKEN}` } });
      await until(async () => (await orders()).version === '3.0.0', 5000);
      const doc = (await send(gw.port, '/_portico/openapi.json', { headers: admin })).json();
      expect(Object.keys(doc.paths)).toEqual(['/o/things']);
      expect((await orders()).health).toMatchObject({ passing: 1, versions: ['2.0.0'] });
    } finally {
      await gw.close();
      await registry.close();
      await Promise.all([v1.close(), v2.close()]);
    }
  });
});
