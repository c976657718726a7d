// The upstream services the routes point at: per service a round-robin over its instances
// (each with a keep-alive UpstreamPool, shared by origin) and a circuit breaker.
// Instances come from discovery.json (static) until the registry has been reached; from then
// on the registry's `passing` instances win for every service it knows about, and the last
// known set is kept while the registry is unreachable.
import { UpstreamPool, type UpstreamTls } from './http1/upstream-pool.js';
import type { DiscoveryConfig, GatewayRoute, RegistryInstance, UpstreamTlsConfig } from '../contract/index.js';
import { RoundRobin, type Endpoint } from './balancer.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';

export interface InstanceAddress {
  id: string;
  address: string;
  port: number;
}

export type UpstreamEndpoint = Endpoint<UpstreamPool>;

export class Upstream {
  readonly balancer = new RoundRobin<UpstreamPool>();
  readonly breaker: CircuitBreaker;
  source: 'static' | 'registry' = 'static';

  constructor(
    readonly name: string,
    route: GatewayRoute,
  ) {
    this.breaker = new CircuitBreaker({ ...route.circuitBreaker });
  }
}

interface PoolEntry {
  pool: UpstreamPool;
  refs: number;
}

export interface UpstreamsOptions {
  onBreakerChange?: (service: string, state: BreakerState) => void;
  /**
   * How long a registry snapshot that empties a service is not believed (default 10 s): after a
   * registry restart its first snapshot lacks the self-registered instances until they
   * re-register (within one heartbeat), and dropping them meanwhile would fail requests.
   * A `change` event for the service is always believed at once.
   */
  emptySnapshotGraceMs?: number;
  /** Extra trusted CA certificates (PEM) for HTTPS upstreams, beside the system store and NODE_EXTRA_CA_CERTS. */
  tlsCa?: readonly string[];
  /** Told once per HTTPS service configured with insecureSkipVerify. */
  onInsecure?: (service: string) => void;
}

export class Upstreams {
  private readonly pools = new Map<string, PoolEntry>();
  private readonly services = new Map<string, Upstream>();
  private staticSets = new Map<string, InstanceAddress[]>();
  /** null until the registry answered once: then its view replaces the static one. */
  private registrySets: Map<string, InstanceAddress[]> | null = null;
  private connectTimeouts = new Map<string, number>();
  /** Per HTTPS service (discovery.json `tls`): applies to its static and registry instances alike. */
  private tlsByService = new Map<string, UpstreamTlsConfig>();
  /** Services whose last known instances are held against an empty snapshot, until this time. */
  private readonly held = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: UpstreamsOptions = {}) {}

  get(name: string): Upstream | undefined {
    return this.services.get(name);
  }

  /** (Re)configure from a gateway config and discovery file. Keeps ejection/breaker state of kept services. */
  configure(routes: readonly GatewayRoute[], discovery: DiscoveryConfig): void {
    const wanted = new Map<string, GatewayRoute>();
    for (const r of routes) if (!wanted.has(r.service)) wanted.set(r.service, r); // the first route of a service sets its breaker and connect timeout
    this.connectTimeouts = new Map([...wanted].map(([name, r]) => [name, r.timeouts.connectMs]));
    for (const [name, route] of wanted) {
      const existing = this.services.get(name);
      if (existing === undefined) {
        const upstream = new Upstream(name, route);
        const notify = this.options.onBreakerChange;
        if (notify !== undefined) upstream.breaker.onStateChange = (state) => notify(name, state);
        this.services.set(name, upstream);
      } else {
        existing.breaker.policy = { ...route.circuitBreaker };
      }
    }
    for (const [name, upstream] of this.services) {
      if (wanted.has(name)) continue;
      this.setEndpoints(upstream, []);
      this.services.delete(name);
    }
    const tlsByService = new Map<string, UpstreamTlsConfig>();
    for (const [name, s] of Object.entries(discovery.services)) {
      if (s.tls === undefined || s.tls === null) continue;
      tlsByService.set(name, s.tls);
      if (s.tls.insecureSkipVerify && this.tlsByService.get(name)?.insecureSkipVerify !== true) this.options.onInsecure?.(name);
    }
    this.tlsByService = tlsByService;
    this.staticSets = new Map(
      Object.entries(discovery.services).map(([name, s]) => [name, s.instances.map((i) => ({ id: i.id, address: i.address, port: i.port }))]),
    );
    this.refreshAll();
  }

  /** A full registry snapshot (SSE `snapshot` event). */
  setRegistrySnapshot(services: Record<string, RegistryInstance[]>): void {
    this.registrySets = new Map(Object.entries(services).map(([name, list]) => [name, passingOnly(list)]));
    const grace = this.options.emptySnapshotGraceMs ?? 10_000;
    for (const [name, upstream] of this.services) {
      const next = this.registrySets.get(name);
      if (next !== undefined && next.length === 0 && upstream.balancer.endpoints.length > 0 && !this.held.has(name)) {
        const timer = setTimeout(() => {
          this.held.delete(name);
          const u = this.services.get(name);
          if (u !== undefined) this.refresh(u);
        }, grace);
        timer.unref();
        this.held.set(name, timer);
      }
    }
    this.refreshAll();
  }

  /** One service changed in the registry (SSE `change` event). */
  setRegistryService(name: string, instances: RegistryInstance[]): void {
    if (this.registrySets === null) this.registrySets = new Map();
    this.registrySets.set(name, passingOnly(instances));
    this.release(name);
    const upstream = this.services.get(name);
    if (upstream !== undefined) this.refresh(upstream);
  }

  /** What the gateway currently balances over (for /_portico/health and tests). */
  describe(): Record<string, { source: string; instances: string[]; breaker: BreakerState }> {
    const out: Record<string, { source: string; instances: string[]; breaker: BreakerState }> = {};
    for (const [name, u] of this.services) {
      out[name] = { source: u.source, instances: u.balancer.endpoints.map((e) => `${e.id}@${e.address}:${e.port}`), breaker: u.breaker.state };
    }
    return out;
  }

  async close(): Promise<void> {
    for (const timer of this.held.values()) clearTimeout(timer);
    this.held.clear();
    const pools = [...this.pools.values()].map((p) => p.pool);
    this.pools.clear();
    this.services.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private refreshAll(): void {
    for (const upstream of this.services.values()) this.refresh(upstream);
  }

  /** Stop holding a service's last known instances. */
  private release(name: string): void {
    const timer = this.held.get(name);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.held.delete(name);
  }

  private refresh(upstream: Upstream): void {
    if (this.held.has(upstream.name)) return; // keep the last known instances for now
    const fromRegistry = this.registrySets?.get(upstream.name);
    upstream.source = fromRegistry === undefined ? 'static' : 'registry';
    this.setEndpoints(upstream, fromRegistry ?? this.staticSets.get(upstream.name) ?? []);
  }

  private setEndpoints(upstream: Upstream, instances: readonly InstanceAddress[]): void {
    const previous = new Map(upstream.balancer.endpoints.map((e) => [`${e.id}|${e.origin}`, e]));
    const next: UpstreamEndpoint[] = [];
    const tls = this.tlsByService.get(upstream.name);
    // The pool key is the origin with its TLS settings: one pool per scheme, host, port and name.
    const scheme = tls === undefined ? 'http' : `https${tls.insecureSkipVerify ? '+insecure' : ''}${tls.servername === null ? '' : `+${tls.servername}`}`;
    for (const i of instances) {
      const origin = `${scheme}://${i.address.includes(':') ? `[${i.address}]` : i.address}:${i.port}`;
      const key = `${i.id}|${origin}`;
      const kept = previous.get(key);
      if (kept !== undefined) {
        previous.delete(key);
        next.push(kept);
        continue;
      }
      next.push({ id: i.id, address: i.address, port: i.port, origin, pool: this.acquire(origin, i.address, i.port, upstream.name, tls), failures: 0, ejections: 0, ejectedUntil: 0 });
    }
    upstream.balancer.endpoints = next;
    for (const gone of previous.values()) this.releasePool(gone.origin);
  }

  private acquire(origin: string, address: string, port: number, service: string, tls: UpstreamTlsConfig | undefined): UpstreamPool {
    let entry = this.pools.get(origin);
    if (entry === undefined) {
      const pool = new UpstreamPool(address, port, {
        maxConnections: 512,
        idleTimeoutMs: 10_000,
        connectTimeoutMs: this.connectTimeouts.get(service) ?? 2_000,
        tls: tls === undefined ? null : upstreamTls(tls, this.options.tlsCa),
      });
      entry = { pool, refs: 0 };
      this.pools.set(origin, entry);
    }
    entry.refs++;
    return entry.pool;
  }

  /** Drop a pool nobody uses: close() lets in-flight requests finish (hot reload drops nothing). */
  private releasePool(origin: string): void {
    const entry = this.pools.get(origin);
    if (entry === undefined || --entry.refs > 0) return;
    this.pools.delete(origin);
    void entry.pool.close();
  }
}

function passingOnly(list: readonly RegistryInstance[]): InstanceAddress[] {
  return list.filter((i) => i.status === 'passing').map((i) => ({ id: i.id, address: i.address, port: i.port }));
}

export function upstreamTls(config: UpstreamTlsConfig, ca: readonly string[] | undefined): UpstreamTls {
  return { servername: config.servername ?? undefined, insecureSkipVerify: config.insecureSkipVerify, ca };
}
