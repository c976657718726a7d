// gateway.json routes -> the precompiled form the hot path uses: everything that can be
// decided at config load (upstream, timeouts, the features' handler lists per phase) is decided here.
import type { GatewayConfig, GatewayRoute } from '../contract/index.js';
import type { Phases } from './features/types.js';
import { PrefixRouter } from './router.js';
import { Upstream, type Upstreams } from './upstreams.js';

/** The manifest's default `websocket.idleTimeout` (60s). */
const WEBSOCKET_IDLE_DEFAULT_MS = 60_000;

export interface CompiledRoute {
  readonly def: GatewayRoute;
  readonly id: string;
  readonly upstream: Upstream;
  readonly stripPrefix: boolean;
  readonly retries: number;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  readonly maxBodyBytes: number;
  /** WebSocket upgrades relayed on this route, with their idle limit; null: refused (`websocket: false`). */
  readonly websocket: { readonly idleTimeoutMs: number } | null;
  /** The handlers of the features this route uses, per phase; empty lists cost nothing. */
  readonly phases: Phases;
}

export interface RouteTable {
  readonly config: GatewayConfig;
  readonly routes: readonly CompiledRoute[];
  readonly router: PrefixRouter<CompiledRoute>;
}

export function compileRoutes(config: GatewayConfig, upstreams: Upstreams, phasesFor: (route: GatewayRoute) => Phases): RouteTable {
  const routes = config.routes.map((def): CompiledRoute => {
    // An AI route's feature answers it; its upstream is an empty placeholder nothing dispatches to.
    const upstream = def.ai === undefined || def.ai === null ? upstreams.get(def.service) : new Upstream(def.service, def);
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
      // Absent in a gateway.json written before the key existed: on, with the default limit.
      websocket: def.websocket === undefined ? { idleTimeoutMs: WEBSOCKET_IDLE_DEFAULT_MS } : def.websocket,
      phases: phasesFor(def),
    };
  });
  return { config, routes, router: new PrefixRouter(routes, (r) => r.def) };
}
