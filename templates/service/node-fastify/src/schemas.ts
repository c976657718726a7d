// JSON schemas of the routes: Fastify validates requests and serialises responses with them,
// and @fastify/swagger builds GET /openapi.json from them. Change a route's schema here and
// the API document follows.
import { ERROR_JSON_SCHEMA, ITEM_JSON_SCHEMA, MAX_NAME_LENGTH } from './items.js';

/** Shared schemas: their $id is the component name in the document (#/components/schemas/Item). */
export const itemSchema = { $id: 'Item', ...ITEM_JSON_SCHEMA } as const;
export const errorSchema = { $id: 'Error', ...ERROR_JSON_SCHEMA } as const;

const item = { $ref: 'Item#' };
const error = { $ref: 'Error#' };
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;
const status = { type: 'object', properties: { status: { type: 'string' } } } as const;
const probeResponses = { 200: { ...status, description: 'ok' }, 503: { ...status, description: 'not ready' } };
// `description` on a response schema becomes the response's description in the document.
const described = (description: string, schema: object) => ({ description, ...schema });

export const schemas = {
  healthz: { summary: 'Liveness: the process is up', response: probeResponses },
  readyz: { summary: 'Readiness: the service accepts traffic (503 while shutting down)', response: probeResponses },
  listItems: { operationId: 'listItems', summary: 'List items', response: { 200: described('all items', { type: 'object', required: ['items'], properties: { items: { type: 'array', items: item } } }) } },
  createItem: {
    operationId: 'createItem',
    summary: 'Create an item',
    body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH } } },
    response: { 201: described('created', item), 400: described('invalid body', error) },
  },
  getItem: { operationId: 'getItem', summary: 'Get one item', params: idParams, response: { 200: described('the item', item), 404: described('no such item', error) } },
  deleteItem: { operationId: 'deleteItem', summary: 'Delete an item', params: idParams, response: { 204: { type: 'null', description: 'deleted' }, 404: described('no such item', error) } },
};
