// The API catalog (docs/catalog.md): the collector follows the registry's instances and fetches
// each service's OpenAPI document; the admin endpoints publish them as the public API:
//   GET /_portico/catalog                          the services: owners, versions, health, document state
//   GET /_portico/catalog/<service>/openapi.json   one service's public document
//   GET /_portico/openapi.json                     every service in one document
// Always on: without a `catalog` block in gateway.json it lists the routed services without
// documents. The collector (its documents, fetches and timers) carries over across reloads.
import { CATALOG_PATH, MERGED_OPENAPI_PATH } from '../../../contract/catalog-api.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { Feature, FeatureInstance } from '../types.js';
import { CatalogCollector } from './collector.js';
import type { GatewayConfig } from '../../../contract/index.js';
import type { PublishedService } from './documents.js';
import { handleCatalogRequest, published } from './endpoints.js';

/** What other features may read of the catalog (the MCP feature's tools): published documents and a change signal. */
export interface CatalogView {
  /** The config and the services with a valid document, once fetches under way finished and what they collected is validated. */
  published(): Promise<{ config: GatewayConfig; services: PublishedService[] } | null>;
  /** Called when services or documents may have changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export interface CatalogInstance extends FeatureInstance {
  readonly collector: CatalogCollector;
  readonly view: CatalogView;
  /** The next config's instance took the collector over. */
  handOver(): void;
}

export const catalog: Feature<CatalogInstance> = {
  name: 'catalog',
  slice: { gateway: ['catalog'], route: [] },
  priority: 0,
  configure(config, ctx, previous) {
    const collector = previous?.collector ?? new CatalogCollector({ logger: ctx.logger });
    collector.configure(config, ctx.discovery);
    previous?.handOver();
    let handedOver = false;
    const handle = (req: HttpRequest, res: HttpResponse, path: string) => handleCatalogRequest(req, res, path, collector);
    const view: CatalogView = {
      async published() {
        await collector.validateCollected();
        const current = collector.current();
        return current === null ? null : { config: current, services: published(current, collector) };
      },
      subscribe: (listener) => collector.subscribe(listener),
    };
    return {
      collector,
      view,
      handOver: () => void (handedOver = true),
      endpoints: [
        { path: CATALOG_PATH, prefix: true, access: 'admin', handle },
        { path: MERGED_OPENAPI_PATH, access: 'admin', handle },
      ],
      registrySnapshot: (services) => collector.setRegistrySnapshot(services),
      registryService: (service, instances) => collector.setRegistryService(service, instances),
      close(final) {
        // The collector lives on in the next config's instance. A reload that fails after this
        // instance was built keeps the previous one, which still uses the collector: only the
        // instance that created it, never handed over, or the gateway's stop closes it.
        if (final || (previous === undefined && !handedOver)) collector.close();
      },
    };
  },
};
