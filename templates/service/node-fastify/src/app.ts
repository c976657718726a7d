// The HTTP layer: routes only. Domain code lives in items.ts, the route schemas in schemas.ts;
// GET /openapi.json is generated from those schemas by @fastify/swagger.
// Routes are served at the root: the Portico gateway strips the route prefix (/api/orders/items
// reaches this service as /items) unless the route sets `stripPrefix: false`.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyServerOptions } from 'fastify';
import { SERVICE_NAME, SERVICE_VERSION } from './config.js';
import { ItemStore, parseItemInput } from './items.js';
import { errorSchema, itemSchema, schemas } from './schemas.js';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
}

export function buildApp(options: AppOptions = {}) {
  const app = Fastify({ logger: options.logger ?? false });
  const store = new ItemStore();
  // Flipped on shutdown so load balancers stop sending traffic before the server closes.
  let ready = true;
  app.decorate('markNotReady', () => {
    ready = false;
  });

  app.addSchema(itemSchema);
  app.addSchema(errorSchema);
  app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: SERVICE_NAME, version: SERVICE_VERSION } },
    // Shared schemas keep their $id as the component name (#/components/schemas/Item).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // Invalid requests answer like every other error here: {"error": "<what is wrong>"}.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return reply.code(400).send({ error: error.message });
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: status === 500 ? 'internal error' : error.message });
  });

  // Registered after swagger, so the plugin sees every route.
  app.register(async (routes) => {
    // Probes run every few seconds: log them only when they go wrong.
    const quiet = { logLevel: 'warn' } as const;
    routes.get('/healthz', { ...quiet, schema: schemas.healthz }, async () => ({ status: 'ok' }));
    routes.get('/readyz', { ...quiet, schema: schemas.readyz }, async (_request, reply) => (ready ? { status: 'ready' } : reply.code(503).send({ status: 'shutting down' })));
    routes.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    routes.get('/items', { schema: schemas.listItems }, async () => ({ items: store.list() }));
    routes.post('/items', { schema: schemas.createItem }, async (request, reply) => {
      const parsed = parseItemInput(request.body);
      if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
      return reply.code(201).send(store.add(parsed.value));
    });
    routes.get<{ Params: { id: string } }>('/items/:id', { schema: schemas.getItem }, async (request, reply) => {
      const item = store.get(request.params.id);
      return item ?? reply.code(404).send({ error: `no item with id ${request.params.id}` });
    });
    routes.delete<{ Params: { id: string } }>('/items/:id', { schema: schemas.deleteItem }, async (request, reply) => {
      if (!store.remove(request.params.id)) return reply.code(404).send({ error: `no item with id ${request.params.id}` });
      return reply.code(204).send();
    });
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    markNotReady(): void;
  }
}
