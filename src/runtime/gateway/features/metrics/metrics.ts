// The gateway's Prometheus metrics, built in (./prometheus.ts) rather than on prom-client, which
// cost too much CPU per request and memory. Each GatewayMetrics holds its own series, so two
// gateways in one test process do not collide. Series are resolved once per route at config
// load; per request it is one Map lookup by status code, an increment and a 13-bound scan.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { BreakerState } from '../../breaker.js';
import { CONTENT_TYPE, Counter, Gauge, Histogram, renderAll, renderSample, type CounterChild, type HistogramChild, type Metric } from './prometheus.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const PREFIX = 'portico_gateway_';
// As prom-client computed it: whole seconds, fixed for the life of the process.
const START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

export class RouteMetrics {
  private readonly byStatus = new Map<number, CounterChild>();

  constructor(
    private readonly m: GatewayMetrics,
    readonly route: string,
    readonly service: string,
    readonly latency: HistogramChild,
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
  readonly requests = new Counter(`${PREFIX}requests_total`, 'Requests answered, by route, service and status', ['route', 'service', 'status']);
  readonly latency = new Histogram(`${PREFIX}request_duration_seconds`, 'Time from request to complete answer, by route and service', ['route', 'service'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly upstreamErrors = new Counter(`${PREFIX}upstream_errors_total`, 'Upstream connection errors and timeouts, by route, service and error code', ['route', 'service', 'code']);
  readonly cache = new Counter(`${PREFIX}cache_total`, 'Cache lookups, by route and result (hit or miss)', ['route', 'result']);
  readonly rateLimited = new Counter(`${PREFIX}rate_limited_total`, 'Requests rejected with 429, by route', ['route']);
  readonly breaker = new Gauge(`${PREFIX}circuit_state`, 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open', ['service']);
  /** AI routes (features/ai): tokens the providers reported, and which model answered (after how many fallbacks). */
  readonly aiTokens = new Counter('portico_ai_tokens_total', 'Tokens used on AI routes, by route, consumer, provider, model and direction (input or output)', ['route', 'consumer', 'provider', 'model', 'direction']);
  readonly aiRequests = new Counter('portico_ai_requests_total', 'AI route calls, by route, the provider and model that answered last, and whether a fallback did', ['route', 'provider', 'model', 'fallback']);
  private readonly metrics: Metric[] = [this.requests, this.latency, this.upstreamErrors, this.cache, this.rateLimited, this.breaker, this.aiTokens, this.aiRequests];
  private readonly routes = new Map<string, RouteMetrics>();
  /** Event-loop counters at the previous scrape, so utilization covers the time between scrapes. */
  private lastElu: EventLoopUtilization | undefined;

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

  // Async only to keep the signature prom-client had; nothing here waits.
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: CONTENT_TYPE, body: renderAll([...this.metrics.map((m) => m.render()), ...this.processMetrics()]) };
  }

  close(): void {
    for (const m of this.metrics) m.clear();
    this.routes.clear();
    this.lastElu = undefined;
  }

  // A small replacement for prom-client's collectDefaultMetrics, read only when scraped: no
  // timers and no GC or event-loop observers running between scrapes.
  private processMetrics(): string[] {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const now = performance.eventLoopUtilization();
    // The first scrape reports since the process started; later ones since the previous scrape
    // (of any scraper: two Prometheus servers scraping one gateway each see part of the window).
    const elu = this.lastElu === undefined ? now : performance.eventLoopUtilization(now, this.lastElu);
    this.lastElu = now;
    return [
      renderSample(`${PREFIX}process_cpu_user_seconds_total`, 'Total user CPU time spent in seconds.', 'counter', cpu.user / 1e6),
      renderSample(`${PREFIX}process_cpu_system_seconds_total`, 'Total system CPU time spent in seconds.', 'counter', cpu.system / 1e6),
      renderSample(`${PREFIX}process_cpu_seconds_total`, 'Total user and system CPU time spent in seconds.', 'counter', (cpu.user + cpu.system) / 1e6),
      renderSample(`${PREFIX}process_start_time_seconds`, 'Start time of the process since unix epoch in seconds.', 'gauge', START_TIME_SECONDS),
      renderSample(`${PREFIX}process_resident_memory_bytes`, 'Resident memory size in bytes.', 'gauge', mem.rss),
      renderSample(`${PREFIX}nodejs_heap_size_total_bytes`, 'Process heap size from Node.js in bytes.', 'gauge', mem.heapTotal),
      renderSample(`${PREFIX}nodejs_heap_size_used_bytes`, 'Process heap size used from Node.js in bytes.', 'gauge', mem.heapUsed),
      renderSample(`${PREFIX}nodejs_external_memory_bytes`, 'Node.js external memory size in bytes.', 'gauge', mem.external),
      renderSample(`${PREFIX}nodejs_eventloop_utilization`, 'Fraction of time the event loop was busy since the previous scrape (0 to 1).', 'gauge', elu.utilization),
    ];
  }
}
