// The gateway's Prometheus metrics, built in (./prometheus.ts) rather than on prom-client, which
// cost too much CPU per request and memory. Each GatewayMetrics holds its own series, so two
// gateways in one test process do not collide. Series are resolved once per route at config
// load; per request it is one Map lookup by status code, an increment and a 13-bound scan.
import type { BreakerState } from '../../breaker.js';
import type { TunnelTotals } from '../../http1/tunnel.js';
import { ProcessMetrics } from './process.js';
import { CONTENT_TYPE, Counter, Gauge, Histogram, renderAll, type CounterChild, type GaugeChild, type HistogramChild, type Metric } from './prometheus.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const PREFIX = 'portico_gateway_';

export class RouteMetrics {
  private readonly byStatus = new Map<number, CounterChild>();

  constructor(
    private readonly m: GatewayMetrics,
    readonly route: string,
    readonly service: string,
    readonly latency: HistogramChild,
  ) {}

  // WebSocket series, made on the first tunnel of the route (most routes never have one).
  private tunnels: { open: GaugeChild; fromClient: CounterChild; fromUpstream: CounterChild; duration: HistogramChild } | null = null;

  private tunnelSeries(): NonNullable<RouteMetrics['tunnels']> {
    if (this.tunnels !== null) return this.tunnels;
    const labels = { route: this.route, service: this.service };
    const m = this.m;
    this.tunnels = {
      open: m.websocketOpen.labels(labels),
      fromClient: m.websocketBytes.labels({ ...labels, direction: 'client_to_upstream' }),
      fromUpstream: m.websocketBytes.labels({ ...labels, direction: 'upstream_to_client' }),
      duration: m.websocketDuration.labels(labels),
    };
    return this.tunnels;
  }

  tunnelOpened(): void {
    this.tunnelSeries().open.add(1);
  }

  tunnelClosed(totals: TunnelTotals): void {
    const t = this.tunnelSeries();
    t.open.add(-1);
    t.fromClient.inc(totals.bytesFromClient);
    t.fromUpstream.inc(totals.bytesFromUpstream);
    t.duration.observe(totals.seconds);
  }

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
  readonly requests = new Counter(`${PREFIX}requests_total`, 'Requests answered, by route, service and status', ['route', 'service', 'status']);
  readonly latency = new Histogram(`${PREFIX}request_duration_seconds`, 'Time from request to complete answer, by route and service', ['route', 'service'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly upstreamErrors = new Counter(`${PREFIX}upstream_errors_total`, 'Upstream connection errors and timeouts, by route, service and error code', ['route', 'service', 'code']);
  readonly cache = new Counter(`${PREFIX}cache_total`, 'Cache lookups, by route and result (hit or miss)', ['route', 'result']);
  readonly rateLimited = new Counter(`${PREFIX}rate_limited_total`, 'Requests rejected with 429, by route', ['route']);
  readonly breaker = new Gauge(`${PREFIX}circuit_state`, 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open', ['service']);
  readonly websocketOpen = new Gauge(`${PREFIX}websocket_connections`, 'WebSocket tunnels open now, by route and service', ['route', 'service']);
  readonly websocketBytes = new Counter(`${PREFIX}websocket_bytes_total`, 'Bytes relayed through closed WebSocket tunnels, by route, service and direction', ['route', 'service', 'direction']);
  readonly websocketDuration = new Histogram(`${PREFIX}websocket_duration_seconds`, 'How long WebSocket tunnels stayed open, by route and service', ['route', 'service'], [1, 5, 15, 60, 300, 900, 3600, 14400]);
  /** AI routes (features/ai): tokens the providers reported, and which model answered (after how many fallbacks). */
  readonly aiTokens = new Counter('portico_ai_tokens_total', 'Tokens used on AI routes, by route, consumer, provider, model and direction (input or output)', ['route', 'consumer', 'provider', 'model', 'direction']);
  readonly aiRequests = new Counter('portico_ai_requests_total', 'AI route calls, by route, the provider and model that answered last, and whether a fallback did', ['route', 'provider', 'model', 'fallback']);
  private readonly metrics: Metric[] = [this.requests, this.latency, this.upstreamErrors, this.cache, this.rateLimited, this.breaker, this.websocketOpen, this.websocketBytes, this.websocketDuration, this.aiTokens, this.aiRequests];
  private readonly routes = new Map<string, RouteMetrics>();
  private readonly process = new ProcessMetrics(PREFIX);

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

  /** Async for the event-loop lag, measured by waiting one turn of the loop. */
  async render(): Promise<{ contentType: string; body: string }> {
    const processBlocks = await this.process.render();
    return { contentType: CONTENT_TYPE, body: renderAll([...this.metrics.map((m) => m.render()), ...processBlocks]) };
  }

  close(): void {
    for (const m of this.metrics) m.clear();
    this.routes.clear();
    this.process.close();
  }
}
