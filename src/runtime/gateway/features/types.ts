// The one shape every gateway feature has (auth, rate limit, cache, CORS, metrics, access log,
// health; later catalog, analytics, MCP, AI). Like a Kong/APISIX plugin: a name, a priority, a
// config step and handlers for named phases; unlike them, typed and compiled offline (the
// config is gateway.json, already validated against the contract's schema). At config load each
// feature is configured once and asked, per route, for its handlers; the pipeline (pipeline.ts)
// puts them into one array per phase, sorted by priority, so a feature a route does not use
// contributes nothing and costs nothing per request.
//
// Phases, in request order (docs/architecture.md, "Gateway: features and phases"):
//   access          may answer or reject: CORS preflight, auth, rate limit (may be async: JWT)
//   beforeUpstream  after the body was admitted; may answer instead of the upstream: cache
//   upstreamRequest adjust the request sent upstream: identity headers
//   responseHeaders the upstream's answer head, as a header list: x-cache, cache capture
//   responseBody    each body chunk, then the end: cache capture
//   log             once per request, when the answer is complete: metrics, analytics, access log
//   tunnel          a WebSocket tunnel opened (after the 101) and closed: metrics, analytics
import type { DiscoveryConfig, GatewayConfig, GatewayRoute, RegistryInstance } from '../../contract/index.js';
import type { BreakerState } from '../breaker.js';
import type { Exchange } from '../exchange.js';
import type { HttpResponse } from '../http1/response.js';
import type { TunnelTotals } from '../http1/tunnel.js';
import type { HttpRequest } from '../http1/server.js';
import type { GatewayLogger } from '../log.js';

/** An access or beforeUpstream handler's answer: go on with the request... */
export const NEXT = false;
/** ...or stop: the handler answered it (or rejected it with ex.fail). */
export const ANSWERED = true;

/** Access handlers may wait (JWT verification); their promise must not reject. */
export type AccessHandler = (ex: Exchange) => boolean | Promise<boolean>;
export type BeforeUpstreamHandler = (ex: Exchange) => boolean;
export type UpstreamRequestHandler = (ex: Exchange) => void;
/** `headers` is the flat [name, value, ...] list about to be sent; handlers may append to it. */
export type ResponseHeadersHandler = (ex: Exchange, status: number, headers: string[]) => void;
export interface ResponseBodyHandler {
  /** A chunk being relayed: a view valid during this call only (copy to keep it). */
  data(ex: Exchange, chunk: Buffer): void;
  /** The upstream's answer arrived complete (never called for an aborted one). */
  end(ex: Exchange): void;
}
/** `status` as answered; `seconds` from request to complete answer. */
export type LogHandler = (ex: Exchange, status: number, seconds: number) => void;

/** A WebSocket tunnel on the route: opened after the upstream's 101, closed with its totals. */
export interface TunnelHandler {
  opened(ex: Exchange): void;
  closed(ex: Exchange, totals: TunnelTotals): void;
}

/** What one feature contributes to one route (any subset of the phases). */
export interface RouteHandlers {
  access?: AccessHandler;
  beforeUpstream?: BeforeUpstreamHandler;
  upstreamRequest?: UpstreamRequestHandler;
  responseHeaders?: ResponseHeadersHandler;
  responseBody?: ResponseBodyHandler;
  log?: LogHandler;
  tunnel?: TunnelHandler;
}

/** A route's compiled handler lists, highest priority first; empty lists for unused phases. */
export interface Phases {
  readonly access: readonly AccessHandler[];
  readonly beforeUpstream: readonly BeforeUpstreamHandler[];
  readonly upstreamRequest: readonly UpstreamRequestHandler[];
  readonly responseHeaders: readonly ResponseHeadersHandler[];
  readonly responseBody: readonly ResponseBodyHandler[];
  readonly log: readonly LogHandler[];
  readonly tunnel: readonly TunnelHandler[];
}

/**
 * A `/_portico/<name>` endpoint. `access` says who may call it: `'public'` (health, metrics) or
 * `'admin'` (catalog, analytics, UI: anything that shows the stack's inner state), which the
 * gateway checks against the stack's admin token (admin.ts) before `handle` runs, answering 401
 * with no data otherwise. `prefix: true` also takes every path below `path` (`path` + `/...`);
 * `handle` gets the request's path without its query.
 */
export interface GatewayEndpoint {
  readonly path: `/_portico/${string}`;
  readonly access: 'public' | 'admin';
  readonly prefix?: boolean;
  handle(req: HttpRequest, res: HttpResponse, path: string): void;
}

/** What the running gateway reports about itself (for /_portico/health). */
export interface GatewayStatus {
  project: string;
  routes: number;
  registry: { url: string; state: string; lastEventId: string | null } | null;
  upstreams: unknown;
  /** Seconds since the gateway process started. */
  uptimeSeconds: number;
  /** The loaded gateway.json: its schema version, a short hash of its content, when it was loaded. */
  config: { version: number; hash: string; loadedAt: string };
}

/** What a feature is given at config load. */
export interface FeatureContext {
  /** Where secrets are read from, by the env var names in the config. */
  env: NodeJS.ProcessEnv;
  logger: GatewayLogger;
  /** Process switches that are not part of gateway.json (PORTICO_METRICS, PORTICO_ACCESS_LOG). */
  switches: { metrics: boolean; accessLog: boolean };
  /** The gateway's state right now (called per use, so it reflects later reloads). */
  status(): GatewayStatus;
  /** The discovery.json loaded with this config (static instances, health paths). */
  discovery: DiscoveryConfig;
  /** Extra CA certificates (PEM) for HTTPS connections a feature opens (GatewayOptions.tlsCa). */
  tlsCa?: readonly string[];
  /**
   * Another feature's instance for this config, when it was configured before this one (higher
   * priority, or earlier in FEATURES at equal priority); set by the pipeline. For read
   * interfaces a feature publishes on purpose (the catalog's `view`, read by MCP), not for
   * calling each other's handlers.
   */
  feature?(name: string): FeatureInstance | undefined;
}

/** A feature configured for one gateway.json. */
export interface FeatureInstance {
  /** This feature's handlers for a route, or null when the route does not use it. */
  forRoute?(route: GatewayRoute): RouteHandlers | null;
  /** Handlers for requests that matched no route (only their log phase runs). */
  unrouted?(): Pick<RouteHandlers, 'log'> | null;
  readonly endpoints?: readonly GatewayEndpoint[];
  /** A service's circuit breaker changed state. */
  breakerChanged?(service: string, state: BreakerState): void;
  /**
   * The registry's view changed: every service at once (on (re)connecting) or one service. Only
   * features that follow instances (the catalog) implement these; they run beside the upstreams'.
   */
  registrySnapshot?(services: Record<string, RegistryInstance[]>): void;
  registryService?(service: string, instances: RegistryInstance[]): void;
  /**
   * The gateway is stopping and waits for in-flight answers: end the ones that never finish by
   * themselves (server-sent event streams), or the drain would wait for them.
   */
  draining?(): void;
  /**
   * The instance is replaced by a reload (`final` false; state it handed to its successor must
   * stay intact) or the gateway stops (`final` true).
   */
  close?(final: boolean): void;
}

/** The parts of gateway.json a feature reads: top-level keys and route keys (typed against the contract). */
export interface ConfigSlice {
  readonly gateway: readonly (keyof GatewayConfig)[];
  readonly route: readonly (keyof GatewayRoute)[];
}

export interface Feature<I extends FeatureInstance = FeatureInstance> {
  readonly name: string;
  /** Its config slice; each key belongs to one feature or to the core (pipeline.ts, CORE_SLICE). */
  readonly slice: ConfigSlice;
  /** Higher runs first within every phase (as in Kong); ties keep the list's order. */
  readonly priority: number;
  /**
   * Build the instance for this config, or null when the config does not use the feature at
   * all. `previous` is this feature's instance for the config being replaced (state that must
   * survive reloads, such as counters or rate-limit buckets, is carried over from it).
   */
  configure(config: GatewayConfig, ctx: FeatureContext, previous: I | undefined): I | null | Promise<I | null>;
}
