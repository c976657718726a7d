// Prometheus metrics on a registry of the gateway's own (never prom-client's global one, so
// two gateways in one test process do not collide). Label children are resolved once per
// route at config load; per request it is one Map lookup by status code plus two increments.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from './breaker.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class RouteMetrics {
  private readonly byStatus = new Map<number, Counter.Internal>();

  constructor(
    private readonly m: GatewayMetrics,
    readonly route: string,
    readonly service: string,
    readonly latency: Histogram.Internal<'route' | 'service'>,
  ) {}

  observe(status: number, seconds: number): void {
    let counter = this.byStatus.get(status);
    if (counter === undefined) {
      counter = this.m.requests.labels({ route: this.route, service: this.service, status: String(status) });
      this.byStatus.set(status, counter);
    }
    counter.inc();
    this.latency.observe(seconds);
  }
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'portico_gateway_requests_total', help: 'Requests answered, by route, service and status', labelNames: ['route', 'service', 'status'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'portico_gateway_request_duration_seconds',
    help: 'Time from request to complete answer, by route and service',
    labelNames: ['route', 'service'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({ name: 'portico_gateway_upstream_errors_total', help: 'Upstream connection errors and timeouts, by route, service and error code', labelNames: ['route', 'service', 'code'] as const, registers: [this.registry] });
  readonly cache = new Counter({ name: 'portico_gateway_cache_total', help: 'Cache lookups, by route and result (hit or miss)', labelNames: ['route', 'result'] as const, registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'portico_gateway_rate_limited_total', help: 'Requests rejected with 429, by route', labelNames: ['route'] as const, registers: [this.registry] });
  readonly breaker = new Gauge({ name: 'portico_gateway_circuit_state', help: 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open', labelNames: ['service'] as const, registers: [this.registry] });
  private readonly routes = new Map<string, RouteMetrics>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'portico_gateway_' });
  }

  forRoute(route: string, service: string): RouteMetrics {
    const key = `${route}\u0000${service}`;
    let m = this.routes.get(key);
    if (m === undefined) {
      m = new RouteMetrics(this, route, service, this.latency.labels({ route, service }));
      this.routes.set(key, m);
    }
    return m;
  }

  breakerState(service: string, state: BreakerState): void {
    this.breaker.set({ service }, BREAKER_VALUE[state]);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.registry.clear();
  }
}
