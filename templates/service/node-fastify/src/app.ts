// The HTTP layer: routes only. Domain code lives in items.ts, the API description in openapi.ts.
// Routes are served at the root: the Portico gateway strips the route prefix (/api/orders/items
// reaches this service as /items) unless the route sets `stripPrefix: false`.
import Fastify, { type FastifyServerOptions } from 'fastify';
import { SERVICE_NAME, SERVICE_VERSION } from './config.js';
import { ItemStore, parseItemInput } from './items.js';
import { openApiDocument } from './openapi.js';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
}

export function buildApp(options: AppOptions = {}) {
  const app = Fastify({ logger: options.logger ?? false });
  const store = new ItemStore();
  const openapi = openApiDocument({ title: SERVICE_NAME, version: SERVICE_VERSION });
  // Flipped on shutdown so load balancers stop sending traffic before the server closes.
  let ready = true;
  app.decorate('markNotReady', () => {
    ready = false;
  });

  // Probes run every few seconds: log them only when they go wrong.
  const quiet = { logLevel: 'warn' } as const;
  app.get('/healthz', quiet, async () => ({ status: 'ok' }));
  app.get('/readyz', quiet, async (_request, reply) => (ready ? { status: 'ready' } : reply.code(503).send({ status: 'shutting down' })));
  app.get('/openapi.json', async () => openapi);

  app.get('/items', async () => ({ items: store.list() }));
  app.post('/items', async (request, reply) => {
    const parsed = parseItemInput(request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    return reply.code(201).send(store.add(parsed.value));
  });
  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const item = store.get(request.params.id);
    return item ?? reply.code(404).send({ error: `no item with id ${request.params.id}` });
  });
  app.delete<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    if (!store.remove(request.params.id)) return reply.code(404).send({ error: `no item with id ${request.params.id}` });
    return reply.code(204).send();
  });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    markNotReady(): void;
  }
}
