// The API catalog inside the gateway: the collector, the admin guard and the endpoints, behind
// the few calls gateway.ts makes (configure on every config, a registry-watch target next to
// the upstreams, and the /_portico/catalog* and /_portico/openapi.json requests).
import type { DiscoveryConfig, GatewayConfig, RegistryInstance } from '../../contract/index.js';
import type { HttpRequest } from '../http1/server.js';
import type { HttpResponse } from '../http1/response.js';
import type { GatewayLogger } from '../log.js';
import type { WatchTarget } from '../registry-watch.js';
import { AdminGuard } from './admin.js';
import { CatalogCollector, type CollectorOptions } from './collector.js';
import { handleCatalogRequest, isCatalogPath } from './endpoints.js';

export class GatewayCatalog {
  readonly collector: CatalogCollector;
  private guard = new AdminGuard(undefined);

  constructor(logger: GatewayLogger, options: Omit<CollectorOptions, 'logger'> = {}) {
    this.collector = new CatalogCollector({ ...options, logger });
  }

  configure(config: GatewayConfig, discovery: DiscoveryConfig, env: NodeJS.ProcessEnv): void {
    this.guard = new AdminGuard(config.admin === undefined ? undefined : env[config.admin.tokenEnv]);
    this.collector.configure(config, discovery);
  }

  /** A registry-watch target feeding both the upstreams and the collector. */
  alongside(upstreams: WatchTarget): WatchTarget {
    const collector = this.collector;
    return {
      setRegistrySnapshot(services: Record<string, RegistryInstance[]>) {
        upstreams.setRegistrySnapshot(services);
        collector.setRegistrySnapshot(services);
      },
      setRegistryService(name: string, instances: RegistryInstance[]) {
        upstreams.setRegistryService(name, instances);
        collector.setRegistryService(name, instances);
      },
    };
  }

  handles(path: string): boolean {
    return isCatalogPath(path);
  }

  handle(req: HttpRequest, res: HttpResponse, path: string): void {
    handleCatalogRequest(req, res, path, this.collector, this.guard);
  }

  close(): void {
    this.collector.close();
  }
}
