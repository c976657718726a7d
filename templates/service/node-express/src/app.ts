// The HTTP layer: routes only. Domain code lives in items.ts, the API description in openapi.ts.
// Routes are served at the root: the Portico gateway strips the route prefix (/api/orders/items
// reaches this service as /items) unless the route sets `stripPrefix: false`.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { SERVICE_NAME, SERVICE_VERSION } from './config.js';
import { ItemStore, parseItemInput } from './items.js';
import type { Logger } from './log.js';
import { openApiDocument } from './openapi.js';

export interface App {
  app: express.Express;
  /** Flipped on shutdown so load balancers stop sending traffic before the server closes. */
  markNotReady(): void;
}

export function createApp(options: { log: Logger }): App {
  const { log } = options;
  const app = express();
  const store = new ItemStore();
  const openapi = openApiDocument({ title: SERVICE_NAME, version: SERVICE_VERSION });
  let ready = true;

  app.disable('x-powered-by');
  app.use(accessLog(log));
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    if (ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'shutting down' });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.get('/items', (_req, res) => {
    res.json({ items: store.list() });
  });
  app.post('/items', (req, res) => {
    const parsed = parseItemInput(req.body);
    if (!parsed.ok) {
      res.status(400).json({ error: parsed.error });
      return;
    }
    res.status(201).json(store.add(parsed.value));
  });
  app.get('/items/:id', (req, res) => {
    const item = store.get(req.params.id);
    if (item) res.json(item);
    else res.status(404).json({ error: `no item with id ${req.params.id}` });
  });
  app.delete('/items/:id', (req, res) => {
    if (store.remove(req.params.id)) res.status(204).end();
    else res.status(404).json({ error: `no item with id ${req.params.id}` });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(log));

  return {
    app,
    markNotReady: () => {
      ready = false;
    },
  };
}

/** Probes run every few seconds: logged at debug level only. */
const PROBES = new Set(['/healthz', '/readyz']);

function accessLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const level = PROBES.has(req.path) && res.statusCode < 400 ? 'debug' : 'info';
      log[level]({ req: { method: req.method, url: req.originalUrl }, res: { statusCode: res.statusCode }, responseTime: Math.round(ms * 100) / 100 }, 'request completed');
    });
    next();
  };
}

/** Malformed JSON and oversized bodies answer 4xx in JSON; anything else is a 500 and is logged. */
function errorHandler(log: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: String(error?.stack ?? error) }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal error' : String(error.message) });
  };
}
