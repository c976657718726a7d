// Builds, from the feature list and one gateway config, everything the request flow calls:
// per route, one handler array per phase (highest priority first, only features the route uses),
// the handlers for requests that match no route, and the map of /_portico/* endpoints. All of it
// is decided here, at config load; per request the Exchange only walks arrays.
import type { GatewayConfig, GatewayRoute, RegistryInstance } from '../../contract/index.js';
import type { BreakerState } from '../breaker.js';
import type { ConfigSlice, Feature, FeatureContext, FeatureInstance, GatewayEndpoint, Phases, RouteHandlers } from './types.js';

export interface Pipeline {
  /** Configured features by name (features a config does not use are absent). */
  readonly instances: ReadonlyMap<string, FeatureInstance>;
  readonly endpoints: ReadonlyMap<string, GatewayEndpoint>;
  /** The endpoint serving `path` (query removed): an exact path first, else the longest prefix endpoint. */
  endpointFor(path: string): GatewayEndpoint | undefined;
  /** The phases for requests that matched no route (only `log` is used). */
  readonly unrouted: Phases;
  /** The phases of one route; call once per route at config load. */
  phasesFor(route: GatewayRoute): Phases;
  breakerChanged(service: string, state: BreakerState): void;
  registrySnapshot(services: Record<string, RegistryInstance[]>): void;
  registryService(service: string, instances: RegistryInstance[]): void;
  draining(): void;
  close(final: boolean): void;
}

/**
 * Phases with no handlers at all (a route without features, or with features off). Shared, and
 * readonly by type only: frozen arrays have another elements kind, which would make the hot
 * path's array reads polymorphic.
 */
export const NO_PHASES: Phases = { access: [], beforeUpstream: [], upstreamRequest: [], responseHeaders: [], responseBody: [], log: [], tunnel: [] };

/**
 * The gateway.json keys the core reads itself: routing, upstreams, registry, forwarding, and
 * `admin` (the token every admin endpoint is checked against, whichever feature registers it).
 */
export const CORE_SLICE: ConfigSlice = {
  gateway: ['version', 'project', 'listen', 'registry', 'trustedProxies', 'routes', 'admin'],
  route: ['id', 'service', 'path', 'host', 'methods', 'stripPrefix', 'timeouts', 'retries', 'circuitBreaker', 'maxBodyBytes', 'websocket'],
};

/** Sorted by priority, highest first; ties keep list order (Array.prototype.sort is stable). */
export function byPriority(features: readonly Feature[]): Feature[] {
  return features.slice().sort((a, b) => b.priority - a.priority);
}

/**
 * Configure every feature for `config`. On failure the instances built so far are closed and
 * the error propagates (the caller keeps its previous pipeline).
 */
export async function buildPipeline(features: readonly Feature[], config: GatewayConfig, ctx: FeatureContext, previous: Pipeline | undefined): Promise<Pipeline> {
  checkFeatureList(features);
  const ordered = byPriority(features);
  const instances = new Map<string, FeatureInstance>();
  const featureCtx: FeatureContext = { ...ctx, feature: (name) => instances.get(name) };
  try {
    // In priority order, one after another: configure steps are cheap, and order keeps logs stable.
    for (const feature of ordered) {
      const instance = await feature.configure(config, featureCtx, previous?.instances.get(feature.name));
      if (instance !== null) instances.set(feature.name, instance);
    }
    return new BuiltPipeline(instances, collectEndpoints(instances));
  } catch (error) {
    for (const instance of instances.values()) instance.close?.(false);
    throw error;
  }
}

/** Each feature once, each config key owned by one feature or the core: programming errors, caught at load. */
export function checkFeatureList(features: readonly Feature[]): void {
  const names = new Set<string>();
  const owners = new Map<string, string>();
  const claim = (key: string, by: string): void => {
    const owner = owners.get(key);
    if (owner !== undefined) throw new Error(`gateway config key ${key} is claimed by both "${owner}" and "${by}"`);
    owners.set(key, by);
  };
  for (const key of CORE_SLICE.gateway) claim(key, 'core');
  for (const key of CORE_SLICE.route) claim(`routes[].${key}`, 'core');
  for (const f of features) {
    if (names.has(f.name)) throw new Error(`gateway feature "${f.name}" is listed twice`);
    names.add(f.name);
    for (const key of f.slice.gateway) claim(key, f.name);
    for (const key of f.slice.route) claim(`routes[].${key}`, f.name);
  }
}

function collectEndpoints(instances: ReadonlyMap<string, FeatureInstance>): Map<string, GatewayEndpoint> {
  const endpoints = new Map<string, GatewayEndpoint>();
  const owners = new Map<string, string>();
  for (const [name, instance] of instances) {
    for (const endpoint of instance.endpoints ?? []) {
      const owner = owners.get(endpoint.path);
      if (owner !== undefined) throw new Error(`gateway endpoint ${endpoint.path} is registered by both "${owner}" and "${name}"`);
      owners.set(endpoint.path, name);
      endpoints.set(endpoint.path, endpoint);
    }
  }
  return endpoints;
}

class BuiltPipeline implements Pipeline {
  readonly unrouted: Phases;

  /** Prefix endpoints, longest path first, so the most specific one wins. */
  private readonly prefixed: GatewayEndpoint[];

  constructor(
    readonly instances: ReadonlyMap<string, FeatureInstance>,
    readonly endpoints: ReadonlyMap<string, GatewayEndpoint>,
  ) {
    this.unrouted = compilePhases([...instances.values()].map((i) => i.unrouted?.() ?? null));
    this.prefixed = [...endpoints.values()].filter((e) => e.prefix === true).sort((a, b) => b.path.length - a.path.length);
  }

  endpointFor(path: string): GatewayEndpoint | undefined {
    const exact = this.endpoints.get(path);
    if (exact !== undefined) return exact;
    return this.prefixed.find((e) => path.startsWith(e.path) && path.charCodeAt(e.path.length) === 0x2f /* / */);
  }

  registrySnapshot(services: Record<string, RegistryInstance[]>): void {
    for (const instance of this.instances.values()) instance.registrySnapshot?.(services);
  }

  registryService(service: string, instances: RegistryInstance[]): void {
    for (const instance of this.instances.values()) instance.registryService?.(service, instances);
  }

  phasesFor(route: GatewayRoute): Phases {
    return compilePhases([...this.instances.values()].map((i) => i.forRoute?.(route) ?? null));
  }

  breakerChanged(service: string, state: BreakerState): void {
    for (const instance of this.instances.values()) instance.breakerChanged?.(service, state);
  }

  draining(): void {
    for (const instance of this.instances.values()) instance.draining?.();
  }

  close(final: boolean): void {
    for (const instance of this.instances.values()) instance.close?.(final);
  }
}

/** Contributions (already in priority order) -> one array per phase; shared empty phases when none. */
export function compilePhases(contributions: readonly (RouteHandlers | null)[]): Phases {
  const phases = { access: [], beforeUpstream: [], upstreamRequest: [], responseHeaders: [], responseBody: [], log: [], tunnel: [] } as { -readonly [K in keyof Phases]: NonNullable<RouteHandlers[K]>[] };
  let any = false;
  for (const handlers of contributions) {
    if (handlers === null) continue;
    for (const phase of Object.keys(phases) as (keyof Phases)[]) {
      const handler = handlers[phase];
      if (handler === undefined) continue;
      (phases[phase] as unknown[]).push(handler);
      any = true;
    }
  }
  return any ? phases : NO_PHASES;
}
