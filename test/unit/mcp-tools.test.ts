// The gateway MCP feature's pure parts: tool names (operationId or method + path), input
// schemas from parameters and the JSON body, output schemas from the 2xx answer, $refs made
// self-contained, include/exclude and `mcp: false`, and the HTTP request a call becomes.
import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/runtime/contract/index.js';
import { requestFor } from '../../src/runtime/gateway/features/mcp/call.js';
import { buildTools, offered, toolName } from '../../src/runtime/gateway/features/mcp/tools.js';
import type { OpenApiDocument } from '../../src/runtime/gateway/features/catalog/public-document.js';
import { route } from '../integration/gateway-helpers.js';

const ctx = { serverUrl: 'http://127.0.0.1:8080', auth: { apiKeys: [{ name: 'ci', env: 'K' }], jwt: null } };
const doc = (): OpenApiDocument => ({
  openapi: '3.1.0',
  info: { title: 'orders', version: '1' },
  paths: {
    '/items': {
      get: {
        operationId: 'listItems',
        summary: 'List items',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }, { name: 'x-api-key', in: 'header', schema: { type: 'string' } }],
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/List' } } } } },
      },
      post: {
        summary: 'Create',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
        responses: { '201': { description: 'created', content: { 'application/json': { schema: { type: 'array' } } } } },
      },
    },
    '/items/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: { parameters: [{ name: 'x-trace', in: 'header', schema: { type: 'string' } }], responses: { '200': { description: 'ok' } } },
    },
  },
  components: { schemas: { Item: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, List: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Item' } } } } } },
});

const config = (mcp: GatewayConfig['mcp'], routes = [route({ service: 'orders', path: '/api/orders' })]) => ({ mcp, routes }) as unknown as GatewayConfig;

describe('MCP tools from the catalog', () => {
  const r = route({ service: 'orders', path: '/api/orders', auth: 'required' });
  const tools = buildTools(config({ include: null, exclude: [] }, [r]), [{ service: 'orders', description: null, document: doc(), routes: [r] }], ctx);
  const by = Object.fromEntries(tools.map((t) => [t.name, t]));

  it('names tools <service>_<operationId>, else <service>_<method>_<path below the route>', () => {
    expect(tools.map((t) => t.name).sort()).toEqual(['orders_get_items_id', 'orders_listItems', 'orders_post_items']);
    expect(toolName('a', 'weird id!', 'get', '/x', r)).toBe('a_weird_id_');
    expect(toolName('a', undefined, 'get', '/api/orders', r)).toBe('a_get_root');
    expect(toolName('s'.repeat(80), 'x', 'get', '/', r)).toHaveLength(64);
  });

  it('input: path/query/header parameters (never credential headers) and the JSON body, $refs self-contained', () => {
    expect(by.orders_listItems!.inputSchema).toEqual({ type: 'object', properties: { limit: { type: 'integer' } } });
    expect(by.orders_get_items_id!.inputSchema).toEqual({ type: 'object', properties: { id: { type: 'string' }, 'x-trace': { type: 'string' } }, required: ['id'] });
    expect(by.orders_post_items!.inputSchema).toMatchObject({ required: ['body'], properties: { body: { $ref: '#/$defs/Item' } }, $defs: { Item: { required: ['name'] } } });
  });

  it('output: the 2xx JSON object schema (a top-level $ref inlined), none for arrays or no content', () => {
    expect(by.orders_listItems!.outputSchema).toMatchObject({ type: 'object', properties: { items: { items: { $ref: '#/$defs/Item' } } }, $defs: { Item: {} } });
    expect(by.orders_post_items!.outputSchema).toBeUndefined();
    expect(by.orders_get_items_id!.outputSchema).toBeUndefined();
  });

  it('descriptions say the method, public path and that a credential is needed', () => {
    expect(by.orders_listItems!.description).toBe('List items\n\nGET /api/orders/items (service orders; needs a credential: x-api-key or Authorization: Bearer <jwt> on the MCP request)');
  });

  it('include/exclude by service or route path, and route mcp: false', () => {
    const a = route({ service: 'orders', path: '/api/orders' });
    expect(offered(a, { include: null, exclude: [] })).toBe(true);
    expect(offered(a, { include: ['billing'], exclude: [] })).toBe(false);
    expect(offered(a, { include: ['/api/orders'], exclude: [] })).toBe(true);
    expect(offered(a, { include: null, exclude: ['orders'] })).toBe(false);
    expect(offered({ ...a, mcp: false }, { include: null, exclude: [] })).toBe(false);
  });

  it('a call becomes the request: path parameters encoded, query and header parameters, JSON body', () => {
    expect(requestFor(by.orders_get_items_id!, { id: 'a b/c', 'x-trace': 't1' })).toEqual({ path: '/api/orders/items/a%20b%2Fc', headers: { 'x-trace': 't1' }, body: null });
    expect(requestFor(by.orders_listItems!, { limit: 5 })).toEqual({ path: '/api/orders/items?limit=5', headers: {}, body: null });
    expect(requestFor(by.orders_post_items!, { body: { name: 'x' } }).body).toBe('{"name":"x"}');
  });
});
