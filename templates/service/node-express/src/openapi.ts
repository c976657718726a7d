// The OpenAPI 3.1 document served at GET /openapi.json. Keep it next to the routes it
// describes: when you add a route, add it here too.
import { ERROR_JSON_SCHEMA as error, ITEM_JSON_SCHEMA as item, MAX_NAME_LENGTH } from './items.js';

const json = (schema: object) => ({ 'application/json': { schema } });
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const probe = (summary: string) => ({
  get: { summary, responses: { '200': { description: 'ok', content: json({ type: 'object' }) }, '503': { description: 'not ready' } } },
});

export function openApiDocument(info: { title: string; version: string }) {
  return {
    openapi: '3.1.0',
    info,
    paths: {
      '/items': {
        get: {
          summary: 'List items',
          responses: {
            '200': { description: 'all items', content: json({ type: 'object', properties: { items: { type: 'array', items: item } } }) },
          },
        },
        post: {
          summary: 'Create an item',
          requestBody: {
            required: true,
            content: json({ type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: MAX_NAME_LENGTH } } }),
          },
          responses: {
            '201': { description: 'created', content: json(item) },
            '400': { description: 'invalid body', content: json(error) },
          },
        },
      },
      '/items/{id}': {
        parameters: idParam,
        get: {
          summary: 'Get one item',
          responses: { '200': { description: 'the item', content: json(item) }, '404': { description: 'no such item', content: json(error) } },
        },
        delete: {
          summary: 'Delete an item',
          responses: { '204': { description: 'deleted' }, '404': { description: 'no such item', content: json(error) } },
        },
      },
      '/healthz': probe('Liveness: the process is up'),
      '/readyz': probe('Readiness: the service accepts traffic (503 while shutting down)'),
    },
  };
}
