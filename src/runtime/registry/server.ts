// The registry's HTTP API on node:http. Routing is a handful of fixed paths, matched by hand.
// Writes need the Bearer token; reads are open to the stack (the gateway, `portico status`).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Catalog } from './catalog.js';
import { HttpError, readJson, sendError, sendJson } from './http-util.js';
import { openApiDocument } from './openapi.js';
import { MAX_BODY_BYTES, validateInstanceId, validateRegistration, validateServiceName, type AddressPolicy } from './validate.js';
import type { WatchHub } from './watch.js';

export interface ServerDeps {
  catalog: Catalog;
  watch: WatchHub;
  authorize: (authorization: string | undefined) => boolean;
  addressPolicy: AddressPolicy;
  version: string;
  /** Probe an instance now (after a registration), instead of waiting for the loop. */
  probeSoon: () => void;
}

const INSTANCE_PATH = /^\/v1\/services\/([^/]+)\/instances\/([^/]+)(\/heartbeat)?$/;
const SERVICE_PATH = /^\/v1\/services\/([^/]+)$/;

export function createRegistryServer(deps: ServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      const httpError = error instanceof HttpError ? error : new HttpError(500, 'internal', 'internal error');
      if (!(error instanceof HttpError)) console.error(JSON.stringify({ level: 'error', msg: 'request failed', error: String((error as Error)?.stack ?? error) }));
      if (res.headersSent) return void res.destroy();
      // A rejected body may still be streaming in: close instead of reading it to the end.
      sendError(res, httpError, httpError.code === 'body_too_large' ? { connection: 'close' } : {});
    });
  });
  // Watch streams are long-lived; keep-alive timeouts must not cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  return server;
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://registry');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const { catalog } = deps;

  if (path === '/v1/health') {
    allow(method, ['GET', 'HEAD']);
    return sendJson(res, 200, { status: 'ok', version: deps.version, index: catalog.index, watchers: deps.watch.size });
  }
  if (path === '/openapi.json') {
    allow(method, ['GET']);
    return sendJson(res, 200, openApiDocument(deps.version));
  }
  if (path === '/v1/watch') {
    allow(method, ['GET']);
    return deps.watch.handle(req, res, url);
  }
  if (path === '/v1/services') {
    allow(method, ['GET']);
    const { index, services } = catalog.snapshot();
    return sendJson(res, 200, { index, services }, { 'x-portico-index': String(index) });
  }
  const serviceMatch = SERVICE_PATH.exec(path);
  if (serviceMatch) {
    allow(method, ['GET']);
    const service = decode(serviceMatch[1]!);
    if (!catalog.hasService(service)) throw new HttpError(404, 'unknown_service', `no service named "${service}"`);
    return sendJson(res, 200, { index: catalog.index, service, instances: catalog.instances(service) }, { 'x-portico-index': String(catalog.index) });
  }
  const instanceMatch = INSTANCE_PATH.exec(path);
  if (instanceMatch) {
    const service = decode(instanceMatch[1]!);
    const id = decode(instanceMatch[2]!);
    const heartbeat = instanceMatch[3] !== undefined;
    allow(method, heartbeat ? ['PUT'] : ['PUT', 'DELETE', 'GET']);
    if (method === 'GET') {
      const instance = catalog.instance(service, id);
      if (!instance) throw notRegistered(service, id);
      return sendJson(res, 200, { index: catalog.index, instance });
    }
    if (!deps.authorize(req.headers.authorization)) {
      throw new HttpError(401, 'unauthorized', 'writes need "Authorization: Bearer <token>" with the stack token (env PORTICO_REGISTRY_TOKEN)');
    }
    const nameError = validateServiceName(service) ?? validateInstanceId(id);
    if (nameError) throw new HttpError(400, 'invalid_name', nameError);
    if (heartbeat) {
      const result = catalog.heartbeat(service, id);
      if (!result) throw notRegistered(service, id);
      return sendJson(res, 200, { index: catalog.index, status: result.instance.status, ttlMs: result.ttlMs });
    }
    if (method === 'DELETE') {
      if (!catalog.deregister(service, id)) throw notRegistered(service, id);
      res.writeHead(204).end();
      return;
    }
    const body = await readJson(req, MAX_BODY_BYTES);
    const validation = validateRegistration(body, deps.addressPolicy);
    if (!validation.ok) throw new HttpError(400, 'invalid_registration', validation.reason);
    const result = catalog.register(service, id, validation.value);
    deps.probeSoon();
    return sendJson(res, result.created ? 201 : 200, { index: catalog.index, instance: result.instance, ttlMs: result.ttlMs });
  }
  throw new HttpError(404, 'not_found', `no route for ${method} ${path}; see /openapi.json`);
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here; use ${methods.join(', ')}`, { allow: methods.join(', ') });
}

function notRegistered(service: string, id: string): HttpError {
  return new HttpError(404, 'not_registered', `instance "${id}" of service "${service}" is not registered`);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'invalid_name', `malformed path segment "${segment}"`);
  }
}
