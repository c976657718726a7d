// gateway.json routes -> the precompiled form the hot path uses: everything that can be
// decided at config load (upstream, policies, metric children, header lists) is decided here.
import type { GatewayConfig, GatewayRoute } from '../contract/index.js';
import { PrefixRouter } from './router.js';
import type { Upstream, Upstreams } from './upstreams.js';
import type { RoutePlugins } from './plugins.js';

export interface CompiledRoute {
  readonly def: GatewayRoute;
  readonly id: string;
  readonly upstream: Upstream;
  readonly stripPrefix: boolean;
  readonly retries: number;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  readonly maxBodyBytes: number;
  /** Optional features this route uses; null ones cost nothing per request. */
  readonly plugins: RoutePlugins;
}

export interface RouteTable {
  readonly config: GatewayConfig;
  readonly routes: readonly CompiledRoute[];
  readonly router: PrefixRouter<CompiledRoute>;
}

export function compileRoutes(
  config: GatewayConfig,
  upstreams: Upstreams,
  pluginsFor: (route: GatewayRoute) => RoutePlugins,
): RouteTable {
  const routes = config.routes.map((def): CompiledRoute => {
    const upstream = upstreams.get(def.service);
    if (upstream === undefined) throw new Error(`route ${def.id}: no upstream for service "${def.service}"`);
    return {
      def,
      id: def.id,
      upstream,
      stripPrefix: def.stripPrefix,
      retries: def.retries,
      headersTimeout: def.timeouts.headerMs,
      bodyTimeout: def.timeouts.bodyMs,
      maxBodyBytes: def.maxBodyBytes,
      plugins: pluginsFor(def),
    };
  });
  return { config, routes, router: new PrefixRouter(routes, (r) => r.def) };
}
