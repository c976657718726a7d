// The catalog's HTTP surface (admin endpoints: the gateway checked the admin token before
// these run; see index.ts for the paths). Documents are assembled per request from the collector's state (admin traffic is rare);
// servers point at the gateway as the client reached it.
import type { GatewayConfig } from '../../../contract/index.js';
import { CATALOG_PATH, MERGED_OPENAPI_PATH, type CatalogEntry, type CatalogListing } from '../../../contract/catalog-api.js';
import type { HttpRequest } from '../../http1/server.js';
import type { HttpResponse } from '../../http1/response.js';
import type { CatalogCollector } from './collector.js';
import { mergedDocument, serviceDocument, type PublishedService } from './documents.js';
import type { PublishContext } from './public-document.js';

export function handleCatalogRequest(req: HttpRequest, res: HttpResponse, path: string, collector: CatalogCollector): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, { error: 'method_not_allowed', message: `${path} answers GET only` }, { allow: 'GET, HEAD' });
  // Fetches under way finish and what they collected is validated now (the parser loads on first use).
  collector.validateCollected().then(
    () => answer(req, res, path, collector),
    (error: unknown) => send(req, res, 500, { error: 'catalog_failed', message: String((error as Error)?.message ?? error) }),
  );
}

function answer(req: HttpRequest, res: HttpResponse, path: string, collector: CatalogCollector): void {
  const config = collector.current();
  if (config === null) return send(req, res, 503, { error: 'not_ready', message: 'the gateway has no config yet' });
  const ctx: PublishContext = { serverUrl: serverUrlOf(req, config), auth: config.auth };
  if (path === CATALOG_PATH) return send(req, res, 200, catalogListing(config, collector, ctx));
  if (path === MERGED_OPENAPI_PATH) return send(req, res, 200, mergedDocument(config.project, published(config, collector), ctx).document);
  const service = /^\/_portico\/catalog\/([a-z0-9-]+)\/openapi\.json$/.exec(path)?.[1];
  const doc = service === undefined ? undefined : collector.document(service);
  if (service === undefined || doc === undefined) return send(req, res, 404, { error: 'not_found', message: `no catalog endpoint ${path} (GET ${CATALOG_PATH} lists the services)` });
  if (doc.document === null) return send(req, res, 404, { error: 'no_document', message: doc.error ?? `service ${service} has no OpenAPI document (${doc.state})`, state: doc.state });
  return send(req, res, 200, serviceDocument(publishedEntry(config, service, doc.document), ctx).document);
}

export function catalogListing(config: GatewayConfig, collector: CatalogCollector, ctx: PublishContext): CatalogListing {
  const services = collector.serviceNames().sort().map((service): CatalogEntry => {
    const meta = config.catalog?.services[service];
    const doc = collector.document(service)!;
    const routes = config.routes.filter((r) => r.service === service);
    const assembled = doc.document === null ? null : serviceDocument(publishedEntry(config, service, doc.document), ctx);
    return {
      service,
      description: meta?.description ?? null,
      owner: meta?.owner ?? null,
      tags: meta?.tags ?? [],
      version: typeof doc.document?.info?.version === 'string' ? doc.document.info.version : null,
      health: collector.health(service),
      openapi: {
        source: meta?.openapi.source ?? 'none',
        state: doc.state,
        error: doc.error,
        warnings: doc.warnings,
        from: doc.from,
        checkedAt: doc.checkedAt,
        operations: assembled?.operations ?? 0,
        conflicts: assembled?.conflicts ?? [],
      },
      routes: routes.map((r) => ({ id: r.id, path: r.path, host: r.host, methods: r.methods, stripPrefix: r.stripPrefix, auth: r.auth, rateLimit: r.rateLimit, cache: r.cache })),
    };
  });
  return { project: config.project, services };
}

/** The services with a valid document, in name order. */
export function published(config: GatewayConfig, collector: CatalogCollector): PublishedService[] {
  const out: PublishedService[] = [];
  for (const service of collector.serviceNames().sort()) {
    const document = collector.document(service)?.document;
    if (document) out.push(publishedEntry(config, service, document));
  }
  return out;
}

function publishedEntry(config: GatewayConfig, service: string, document: NonNullable<ReturnType<CatalogCollector['document']>>['document'] & object): PublishedService {
  return { service, description: config.catalog?.services[service]?.description ?? null, document, routes: config.routes.filter((r) => r.service === service) };
}

/** The gateway's URL as the client used it (Host header, when it is a plain host[:port]); else its own listen port on loopback. */
function serverUrlOf(req: HttpRequest, config: GatewayConfig): string {
  const host = req.headers.host;
  if (host !== undefined && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return `http://${host}`;
  return `http://127.0.0.1:${config.listen.port}`;
}

function send(req: HttpRequest, res: HttpResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body, null, 2));
}
