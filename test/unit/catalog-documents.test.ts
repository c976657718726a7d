// The catalog's pure document building: public paths (stripPrefix, host, methods), security
// from the route's auth, x-portico-* notes, servers, and the merged document (renamed
// components, unique operationIds, conflicts). Merged output is checked with the real parser.
import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/runtime/contract/index.js';
import { mergedDocument, renameComponents, serviceDocument } from '../../src/runtime/gateway/features/catalog/documents.js';
import { publicOperations, publicPathFor, routeAllows, securityFor, type OpenApiDocument } from '../../src/runtime/gateway/features/catalog/public-document.js';
import { validateOpenApi } from '../../src/runtime/gateway/features/catalog/validate-document.js';
import { route } from '../integration/gateway-helpers.js';

const noAuth: GatewayConfig['auth'] = { apiKeys: [], jwt: null };
const fullAuth: GatewayConfig['auth'] = {
  apiKeys: [{ name: 'ci', env: 'CI_KEY' }],
  jwt: { secretEnv: 'JWT', jwksUrl: null, issuer: 'shop', audience: null, algorithms: ['HS256'] },
};
const ctx = (auth = noAuth) => ({ serverUrl: 'http://127.0.0.1:8080', auth });

const items = (): OpenApiDocument => ({
  openapi: '3.1.0',
  info: { title: 'items', version: '1.2.3' },
  paths: {
    '/': { get: { operationId: 'root', responses: { '200': { description: 'ok' } } } },
    '/items': {
      get: { operationId: 'listItems', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } } },
      post: { operationId: 'createItem', responses: { '201': { description: 'created' } } },
    },
    '/items/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      delete: { operationId: 'deleteItem', responses: { '204': { description: 'gone' } } },
    },
    '/admin/stats': { get: { operationId: 'stats', responses: { '200': { description: 'ok' } } } },
  },
  components: { schemas: { Item: { type: 'object', properties: { id: { type: 'string' } } } } },
});

const paths = (doc: OpenApiDocument) => Object.keys(doc.paths ?? {}).sort();

describe('public paths', () => {
  it('stripPrefix: every document path sits under the prefix; "/" is the prefix itself', () => {
    const r = { path: '/api/orders', stripPrefix: true };
    expect(publicPathFor('/items', r)).toBe('/api/orders/items');
    expect(publicPathFor('/', r)).toBe('/api/orders');
    expect(publicPathFor('/items', { path: '/', stripPrefix: true })).toBe('/items');
  });

  it('without stripPrefix: only document paths under the prefix are reachable, unchanged', () => {
    const r = { path: '/admin', stripPrefix: false };
    expect(publicPathFor('/admin/stats', r)).toBe('/admin/stats');
    expect(publicPathFor('/admin', r)).toBe('/admin');
    expect(publicPathFor('/administrators', r)).toBeNull();
    expect(publicPathFor('/items', r)).toBeNull();
    expect(publicPathFor('/items', { path: '/', stripPrefix: false })).toBe('/items');
  });

  it('a service document is published at the routes the gateway serves', () => {
    const { document } = serviceDocument({ service: 'orders', description: null, document: items(), routes: [route({ service: 'orders', path: '/api/orders' })] }, ctx());
    expect(paths(document)).toEqual(['/api/orders', '/api/orders/admin/stats', '/api/orders/items', '/api/orders/items/{id}']);
    expect(document.servers).toEqual([{ url: 'http://127.0.0.1:8080', description: 'the Portico gateway' }]);
    expect((document.paths!['/api/orders/items/{id}'] as any).parameters).toHaveLength(1);
  });

  it('a route without stripPrefix publishes only what it forwards', () => {
    const { document } = serviceDocument({ service: 'orders', description: null, document: items(), routes: [route({ service: 'orders', path: '/admin', stripPrefix: false })] }, ctx());
    expect(paths(document)).toEqual(['/admin/stats']);
  });

  it('methods: only the methods the route forwards (GET brings HEAD, as the router does)', () => {
    expect(routeAllows(['GET'], 'head')).toBe(true);
    expect(routeAllows(['POST'], 'get')).toBe(false);
    expect(routeAllows(null, 'delete')).toBe(true);
    const ops = publicOperations(items(), [route({ service: 'orders', path: '/api', methods: ['POST'] })], ctx());
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(['post /api/items']);
  });

  it('host routes get a path-level server with the route host and note it per operation', () => {
    const { document } = serviceDocument({ service: 'orders', description: null, document: items(), routes: [route({ service: 'orders', path: '/api', host: 'orders.local' })] }, ctx());
    const item = document.paths!['/api/items'] as any;
    expect(item.servers[0].url).toBe('http://orders.local:8080');
    expect(item.get['x-portico-host']).toBe('orders.local');
  });
});

describe('security and policies per operation', () => {
  it('auth required: API key (header x-api-key) or JWT bearer, with both schemes declared and a 401', () => {
    const { document } = serviceDocument({ service: 'orders', description: null, document: items(), routes: [route({ service: 'orders', path: '/api', auth: 'required' })] }, ctx(fullAuth));
    const op = (document.paths!['/api/items'] as any).get;
    expect(op.security).toEqual([{ porticoApiKey: [] }, { porticoJwt: [] }]);
    expect(op.responses['401']).toBeDefined();
    expect((document.components as any).securitySchemes).toEqual({
      porticoApiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
      porticoJwt: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    });
  });

  it('auth optional adds the anonymous alternative; none publishes an empty requirement and no schemes', () => {
    expect(securityFor('optional', fullAuth)).toEqual([{ porticoApiKey: [] }, { porticoJwt: [] }, {}]);
    expect(securityFor('required', { ...fullAuth, jwt: null })).toEqual([{ porticoApiKey: [] }]);
    const { document } = serviceDocument({ service: 'orders', description: null, document: items(), routes: [route({ service: 'orders', path: '/api' })] }, ctx(fullAuth));
    expect((document.paths!['/api/items'] as any).get.security).toEqual([]);
    expect((document.components as any).securitySchemes).toEqual({});
  });

  it('rate limit and cache are noted as x-portico-* extensions (and the 429 the gateway may answer)', () => {
    const rateLimit = { requests: 10, perMs: 60_000, by: 'ip' as const, burst: 10 };
    const { document } = serviceDocument(
      { service: 'orders', description: null, document: items(), routes: [route({ service: 'orders', path: '/api', rateLimit, cache: { ttlMs: 10_000 } })] },
      ctx(),
    );
    const op = (document.paths!['/api/items'] as any).get;
    expect(op['x-portico-rateLimit']).toEqual(rateLimit);
    expect(op['x-portico-cache']).toEqual({ ttlMs: 10_000 });
    expect(op['x-portico-route']).toBe('orders#0');
    expect(op.responses['429']).toBeDefined();
  });

  it('never changes the source document', () => {
    const source = items();
    const copy = structuredClone(source);
    serviceDocument({ service: 'orders', description: null, document: source, routes: [route({ service: 'orders', path: '/api', auth: 'required' })] }, ctx(fullAuth));
    mergedDocument('shop', [{ service: 'orders', description: null, document: source, routes: [route({ service: 'orders', path: '/api' })] }], ctx());
    expect(source).toEqual(copy);
  });
});

describe('merged document', () => {
  const twoServices = () =>
    mergedDocument(
      'shop',
      [
        { service: 'orders', description: 'Orders', document: items(), routes: [route({ service: 'orders', path: '/api/orders', auth: 'required' })] },
        { service: 'users', description: null, document: items(), routes: [route({ service: 'users', path: '/api/users' })] },
      ],
      ctx(fullAuth),
    );

  it('holds both services under their prefixes, tagged, with components renamed and operationIds unique', () => {
    const { document, operations, conflicts } = twoServices();
    expect(paths(document)).toContain('/api/orders/items');
    expect(paths(document)).toContain('/api/users/items');
    expect(operations).toBe(10);
    expect(conflicts).toEqual([]);
    expect(Object.keys((document.components as any).schemas).sort()).toEqual(['orders.Item', 'users.Item']);
    const list = (document.paths!['/api/users/items'] as any).get;
    expect(list.operationId).toBe('users_listItems');
    expect(list.tags).toEqual(['users']);
    expect(list.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/users.Item');
    expect(document.tags).toEqual([{ name: 'orders', description: 'Orders' }, { name: 'users' }]);
  });

  it('is a valid OpenAPI document for the real parser', async () => {
    const result = await validateOpenApi(twoServices().document);
    expect(result).toMatchObject({ ok: true });
  });

  it('its version changes when the published API changes', () => {
    const one = mergedDocument('shop', [{ service: 'a', description: null, document: items(), routes: [route({ service: 'a', path: '/a' })] }], ctx());
    const other = mergedDocument('shop', [{ service: 'a', description: null, document: items(), routes: [route({ service: 'a', path: '/b' })] }], ctx());
    expect(one.document.info!.version).not.toBe(other.document.info!.version);
  });

  it('the same method and path reached twice keeps the first and reports the conflict; repeated operationIds get a suffix', () => {
    const { document, conflicts } = mergedDocument(
      'shop',
      [
        {
          service: 'orders',
          description: null,
          document: items(),
          routes: [route({ service: 'orders', path: '/api', id: 'orders#0' }), route({ service: 'orders', path: '/api', id: 'orders#1', host: 'x.local' }), route({ service: 'orders', path: '/v2', id: 'orders#2' })],
        },
      ],
      ctx(),
    );
    expect(conflicts).toContain('GET /api/items: route orders#1 also reaches it; the catalog lists orders#0');
    expect((document.paths!['/v2/items'] as any).get.operationId).toBe('orders_listItems_2');
  });

  it('renames every local reference to a component', () => {
    const renamed = renameComponents(items(), 'svc');
    expect(Object.keys((renamed.components as any).schemas)).toEqual(['svc.Item']);
    expect(JSON.stringify(renamed)).not.toContain('"#/components/schemas/Item"');
  });
});

describe('validateOpenApi', () => {
  it('gives the parser message for an invalid document', async () => {
    const result = await validateOpenApi({ openapi: '3.1.0', info: { title: 'x' }, paths: {} });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/must have required property 'version'/);
  });

  it('refuses what is not OpenAPI 3.x', async () => {
    expect(await validateOpenApi({ swagger: '2.0' })).toMatchObject({ ok: false, error: expect.stringMatching(/not an OpenAPI 3\.0 or 3\.1 document/) });
    expect(await validateOpenApi([1, 2])).toMatchObject({ ok: false });
  });
});
