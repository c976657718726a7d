import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../src/runtime/gateway/features/metrics/metrics.js';
import { Counter, Gauge, Histogram, escapeLabelValue, formatValue, renderAll } from '../../src/runtime/gateway/features/metrics/prometheus.js';

/** The lines of one metric's block (HELP, TYPE and samples) from a full exposition. */
function block(body: string, name: string): string[] {
  const found = body.split('\n\n').find((b) => b.startsWith(`# HELP ${name} `));
  if (found === undefined) throw new Error(`no metric ${name} in:\n${body}`);
  return found.trimEnd().split('\n');
}

describe('prometheus text rendering', () => {
  it('prints a counter with labels in labelNames order, HELP and TYPE first', () => {
    const c = new Counter('t_total', 'Things counted', ['b', 'a']);
    c.inc({ a: '1', b: '2' });
    c.inc({ b: '2', a: '1' }, 2);
    c.inc({ a: 'x', b: 'y' });
    expect(c.render().split('\n')).toEqual([
      '# HELP t_total Things counted',
      '# TYPE t_total counter',
      't_total{b="2",a="1"} 3',
      't_total{b="y",a="x"} 1',
    ]);
  });

  it('keeps a child returned by labels() as the same series', () => {
    const c = new Counter('t_total', 'h', ['k']);
    const child = c.labels({ k: 'v' });
    expect(c.labels({ k: 'v' })).toBe(child);
    child.inc();
    c.inc({ k: 'v' });
    expect(c.render()).toContain('t_total{k="v"} 2');
    expect(() => c.inc({ k: 'v' }, -1)).toThrow(TypeError);
  });

  it('prints a histogram with cumulative buckets, +Inf, _sum and _count, le first', () => {
    const h = new Histogram('lat_seconds', 'Latency', ['route'], [0.1, 1, 0.5]);
    h.observe({ route: 'r' }, 0.05);
    h.observe({ route: 'r' }, 0.1); // on a bound: counted in that bucket (le = less or equal)
    h.observe({ route: 'r' }, 0.7);
    h.observe({ route: 'r' }, 3);
    h.observe({ route: 'r' }, Number.NaN); // dropped
    expect(h.render().split('\n')).toEqual([
      '# HELP lat_seconds Latency',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{le="0.1",route="r"} 2',
      'lat_seconds_bucket{le="0.5",route="r"} 2',
      'lat_seconds_bucket{le="1",route="r"} 3',
      'lat_seconds_bucket{le="+Inf",route="r"} 4',
      'lat_seconds_sum{route="r"} 3.85',
      'lat_seconds_count{route="r"} 4',
    ]);
  });

  it('escapes backslash, double quote and newline in label values, backslash and newline in help', () => {
    expect(escapeLabelValue('plain')).toBe('plain');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const g = new Gauge('g', 'two\nlines \\ "quoted"', ['v']);
    g.set({ v: 'say "hi"\\\n' }, 1.5);
    expect(g.render().split('\n')).toEqual(['# HELP g two\\nlines \\\\ "quoted"', '# TYPE g gauge', 'g{v="say \\"hi\\"\\\\\\n"} 1.5']);
  });

  it('prints only HELP and TYPE for metrics without samples', () => {
    const c = new Counter('c_total', 'C', ['a']);
    c.labels({ a: 'never' }); // created but never counted: not printed
    const h = new Histogram('h', 'H', ['a'], [1]);
    h.labels({ a: 'never' });
    expect(renderAll([c.render(), h.render()])).toBe('# HELP c_total C\n# TYPE c_total counter\n\n# HELP h H\n# TYPE h histogram\n');
  });

  it('formats special values as Prometheus expects', () => {
    expect([formatValue(1), formatValue(0.25), formatValue(Infinity), formatValue(-Infinity), formatValue(Number.NaN)]).toEqual(['1', '0.25', '+Inf', '-Inf', 'NaN']);
  });
});

describe('GatewayMetrics', () => {
  it('uses the Prometheus 0.0.4 content type and ends the body with a newline', async () => {
    const r = await new GatewayMetrics().render();
    expect(r.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body.endsWith('\n')).toBe(true);
    expect(r.body.endsWith('\n\n')).toBe(false);
  });

  it('counts requests per route, service and status and observes their latency', async () => {
    const m = new GatewayMetrics();
    const orders = m.forRoute('o#0', 'orders');
    expect(m.forRoute('o#0', 'orders')).toBe(orders);
    orders.observe(200, 0.004);
    orders.observe(200, 0.2);
    orders.observe(503, 20);
    m.forRoute('(none)', '(none)').observe(404, 0.0001);
    m.forRoute('idle#0', 'idle'); // never observed: no series
    const body = (await m.render()).body;
    expect(block(body, 'portico_gateway_requests_total')).toEqual([
      '# HELP portico_gateway_requests_total Requests answered, by route, service and status',
      '# TYPE portico_gateway_requests_total counter',
      'portico_gateway_requests_total{route="o#0",service="orders",status="200"} 2',
      'portico_gateway_requests_total{route="o#0",service="orders",status="503"} 1',
      'portico_gateway_requests_total{route="(none)",service="(none)",status="404"} 1',
    ]);
    const latency = block(body, 'portico_gateway_request_duration_seconds');
    expect(latency.slice(0, 2)).toEqual([
      '# HELP portico_gateway_request_duration_seconds Time from request to complete answer, by route and service',
      '# TYPE portico_gateway_request_duration_seconds histogram',
    ]);
    const orderLines = latency.filter((l) => l.includes('route="o#0"'));
    expect(orderLines).toEqual([
      ...[0.001, 0.0025].map((le) => `portico_gateway_request_duration_seconds_bucket{le="${le}",route="o#0",service="orders"} 0`),
      ...[0.005, 0.01, 0.025, 0.05, 0.1].map((le) => `portico_gateway_request_duration_seconds_bucket{le="${le}",route="o#0",service="orders"} 1`),
      ...[0.25, 0.5, 1, 2.5, 5, 10].map((le) => `portico_gateway_request_duration_seconds_bucket{le="${le}",route="o#0",service="orders"} 2`),
      'portico_gateway_request_duration_seconds_bucket{le="+Inf",route="o#0",service="orders"} 3',
      'portico_gateway_request_duration_seconds_sum{route="o#0",service="orders"} 20.204',
      'portico_gateway_request_duration_seconds_count{route="o#0",service="orders"} 3',
    ]);
    expect(latency.filter((l) => l.includes('route="(none)"'))).toHaveLength(16);
    expect(body).not.toContain('idle#0');
  });

  it('prints the rare-path counters in labelNames order', async () => {
    const m = new GatewayMetrics();
    m.cache.inc({ route: 'o#0', result: 'hit' });
    m.cache.inc({ route: 'o#0', result: 'hit' });
    m.cache.inc({ route: 'o#0', result: 'miss' });
    m.rateLimited.inc({ route: 'ip#0' });
    m.upstreamErrors.inc({ route: 'o#0', service: 'orders', code: 'ECONNREFUSED' });
    const body = (await m.render()).body;
    expect(block(body, 'portico_gateway_cache_total').slice(2)).toEqual(['portico_gateway_cache_total{route="o#0",result="hit"} 2', 'portico_gateway_cache_total{route="o#0",result="miss"} 1']);
    expect(block(body, 'portico_gateway_rate_limited_total').slice(2)).toEqual(['portico_gateway_rate_limited_total{route="ip#0"} 1']);
    expect(block(body, 'portico_gateway_upstream_errors_total')).toEqual([
      '# HELP portico_gateway_upstream_errors_total Upstream connection errors and timeouts, by route, service and error code',
      '# TYPE portico_gateway_upstream_errors_total counter',
      'portico_gateway_upstream_errors_total{route="o#0",service="orders",code="ECONNREFUSED"} 1',
    ]);
  });

  it('prints HELP and TYPE only for metrics nothing was recorded in yet', async () => {
    const body = (await new GatewayMetrics().render()).body;
    for (const [name, type] of [
      ['portico_gateway_requests_total', 'counter'],
      ['portico_gateway_request_duration_seconds', 'histogram'],
      ['portico_gateway_upstream_errors_total', 'counter'],
      ['portico_gateway_cache_total', 'counter'],
      ['portico_gateway_rate_limited_total', 'counter'],
      ['portico_gateway_circuit_state', 'gauge'],
    ]) {
      const lines = block(body, name);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe(`# TYPE ${name} ${type}`);
    }
  });

  it('reports the breaker state per service as a gauge, 0 included', async () => {
    const m = new GatewayMetrics();
    m.breakerState('orders', 'open');
    m.breakerState('payments', 'half-open');
    m.breakerState('users', 'closed');
    m.breakerState('payments', 'closed');
    expect(block((await m.render()).body, 'portico_gateway_circuit_state')).toEqual([
      '# HELP portico_gateway_circuit_state Circuit breaker state per service: 0 closed, 1 half-open, 2 open',
      '# TYPE portico_gateway_circuit_state gauge',
      'portico_gateway_circuit_state{service="orders"} 2',
      'portico_gateway_circuit_state{service="payments"} 0',
      'portico_gateway_circuit_state{service="users"} 0',
    ]);
  });

  it('adds process metrics read at scrape time', async () => {
    const m = new GatewayMetrics();
    const body = (await m.render()).body;
    const value = (name: string, type: string): number => {
      const lines = block(body, name);
      expect(lines[1]).toBe(`# TYPE ${name} ${type}`);
      expect(lines).toHaveLength(3);
      const [sample, v] = lines[2].split(' ');
      expect(sample).toBe(name);
      return Number(v);
    };
    const user = value('portico_gateway_process_cpu_user_seconds_total', 'counter');
    const system = value('portico_gateway_process_cpu_system_seconds_total', 'counter');
    expect(value('portico_gateway_process_cpu_seconds_total', 'counter')).toBeCloseTo(user + system, 6);
    expect(user).toBeGreaterThan(0);
    expect(value('portico_gateway_process_resident_memory_bytes', 'gauge')).toBeGreaterThan(1e6);
    const start = value('portico_gateway_process_start_time_seconds', 'gauge');
    expect(Number.isInteger(start)).toBe(true);
    expect(start).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(start).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 2);
    const heapTotal = value('portico_gateway_nodejs_heap_size_total_bytes', 'gauge');
    expect(value('portico_gateway_nodejs_heap_size_used_bytes', 'gauge')).toBeLessThanOrEqual(heapTotal);
    expect(value('portico_gateway_nodejs_external_memory_bytes', 'gauge')).toBeGreaterThan(0);
    const elu = value('portico_gateway_nodejs_eventloop_utilization', 'gauge');
    expect(elu).toBeGreaterThanOrEqual(0);
    expect(elu).toBeLessThanOrEqual(1);

    // The next scrape covers only the time since this one: a busy loop shows up in it.
    const until = performance.now() + 30;
    await new Promise<void>((resolve) => setTimeout(() => {
      while (performance.now() < until); // keep the event loop busy
      resolve();
    }, 5));
    const next = block((await m.render()).body, 'portico_gateway_nodejs_eventloop_utilization');
    expect(Number(next[2].split(' ')[1])).toBeGreaterThan(0.3);
  });

  it('adds the event-loop lag, GC, descriptor and version metrics prom-client had', async () => {
    const m = new GatewayMetrics();
    // Something for the lag histogram and the GC observer to see.
    const until = performance.now() + 40;
    while (performance.now() < until) void new Array(1000).fill({});
    await new Promise((r) => setTimeout(r, 30));
    const body = (await m.render()).body;
    const gauge = (name: string): number => {
      const lines = block(body, `portico_gateway_${name}`);
      expect(lines[1]).toBe(`# TYPE portico_gateway_${name} gauge`);
      return Number(lines[2].split(' ')[1]);
    };
    for (const q of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) expect(gauge(`nodejs_eventloop_lag_${q}_seconds`)).toBeGreaterThanOrEqual(0);
    expect(gauge('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(gauge('nodejs_eventloop_lag_p50_seconds'));
    expect(gauge('nodejs_eventloop_lag_seconds')).toBeGreaterThan(0);
    expect(gauge('nodejs_eventloop_lag_seconds')).toBeLessThan(1);
    expect(gauge('process_open_fds')).toBeGreaterThan(2);
    expect(gauge('process_max_fds')).toBeGreaterThanOrEqual(gauge('process_open_fds'));
    const [major, minor, patch] = process.versions.node.split('.');
    expect(block(body, 'portico_gateway_nodejs_version_info')[2]).toBe(`portico_gateway_nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"} 1`);
    expect(block(body, 'portico_gateway_nodejs_gc_duration_seconds')[1]).toBe('# TYPE portico_gateway_nodejs_gc_duration_seconds histogram');
    m.close();
  });

  it('counts WebSocket tunnels per route: open now, bytes each way, duration', async () => {
    const m = new GatewayMetrics();
    const series = m.forRoute('o#0', 'orders');
    series.tunnelOpened();
    series.tunnelOpened();
    series.tunnelClosed({ bytesFromClient: 10, bytesFromUpstream: 30, seconds: 2 });
    const body = (await m.render()).body;
    expect(block(body, 'portico_gateway_websocket_connections')[2]).toBe('portico_gateway_websocket_connections{route="o#0",service="orders"} 1');
    expect(block(body, 'portico_gateway_websocket_bytes_total').slice(2)).toEqual([
      'portico_gateway_websocket_bytes_total{route="o#0",service="orders",direction="client_to_upstream"} 10',
      'portico_gateway_websocket_bytes_total{route="o#0",service="orders",direction="upstream_to_client"} 30',
    ]);
    expect(body).toContain('portico_gateway_websocket_duration_seconds_bucket{le="5",route="o#0",service="orders"} 1');
    m.close();
  });

  it('close() drops every series', async () => {
    const m = new GatewayMetrics();
    m.forRoute('o#0', 'orders').observe(200, 0.01);
    m.cache.inc({ route: 'o#0', result: 'hit' });
    m.breakerState('orders', 'open');
    m.close();
    const body = (await m.render()).body;
    expect(body).not.toContain('o#0');
    expect(body).not.toContain('service="orders"');
    expect(block(body, 'portico_gateway_requests_total')).toHaveLength(2);
  });
});
