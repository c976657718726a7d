// The process metrics prom-client's collectDefaultMetrics gave, rebuilt cheaply: everything is
// read when scraped, except two observers that cost nothing per request: the event-loop delay
// histogram (perf_hooks.monitorEventLoopDelay, sampled by a libuv timer in C++ every
// LAG_RESOLUTION_MS) and a PerformanceObserver of GC pauses (one callback per batch of GCs).
// Names and meanings follow prom-client's (with the gateway's prefix), so dashboards built for
// it work; the lag percentiles cover the time since the previous scrape, as prom-client's did
// (it reset its histogram on each collect).
import { readdirSync, readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, Histogram, renderSample } from './prometheus.js';

const LAG_RESOLUTION_MS = 10;
// As prom-client computed it: whole seconds, fixed for the life of the process.
const START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const [MAJOR, MINOR, PATCH] = process.versions.node.split('.');

export class ProcessMetrics {
  private readonly gc: Histogram<'kind'>;
  private readonly version: Gauge<'version' | 'major' | 'minor' | 'patch'>;
  private readonly lag: IntervalHistogram;
  private readonly gcObserver: PerformanceObserver;
  /** Event-loop counters at the previous scrape, so utilization covers the time between scrapes. */
  private lastElu: EventLoopUtilization | undefined;

  constructor(private readonly prefix: string) {
    this.gc = new Histogram(`${prefix}nodejs_gc_duration_seconds`, 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', ['kind'], [0.001, 0.01, 0.1, 1, 2, 5]);
    this.version = new Gauge(`${prefix}nodejs_version_info`, 'Node.js version info.', ['version', 'major', 'minor', 'patch']);
    this.version.set({ version: process.version, major: MAJOR, minor: MINOR, patch: PATCH }, 1);
    this.lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.lag.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'unknown';
        this.gc.observe({ kind }, entry.duration / 1000);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** The samples, as text blocks; waits one event-loop turn to measure the current lag. */
  async render(): Promise<string[]> {
    const p = this.prefix;
    // prom-client's nodejs_eventloop_lag_seconds: how late a setImmediate callback runs now.
    const before = process.hrtime.bigint();
    const lagNow = await new Promise<number>((resolve) => setImmediate(() => resolve(Number(process.hrtime.bigint() - before) / 1e9)));
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const now = performance.eventLoopUtilization();
    // The first scrape reports since the process started; later ones since the previous scrape
    // (of any scraper: two Prometheus servers scraping one gateway each see part of the window).
    const elu = this.lastElu === undefined ? now : performance.eventLoopUtilization(now, this.lastElu);
    this.lastElu = now;
    const h = this.lag;
    // Before any sample the histogram reports min as 2^63 and the rest as 0 or NaN: show 0.
    const sampled = h.count > 0;
    const ns = (v: number): number => (sampled && Number.isFinite(v) ? v / 1e9 : 0);
    const lagBlocks = [
      renderSample(`${p}nodejs_eventloop_lag_seconds`, 'Lag of event loop in seconds.', 'gauge', lagNow),
      renderSample(`${p}nodejs_eventloop_lag_min_seconds`, 'The minimum recorded event loop delay.', 'gauge', ns(h.min)),
      renderSample(`${p}nodejs_eventloop_lag_max_seconds`, 'The maximum recorded event loop delay.', 'gauge', ns(h.max)),
      renderSample(`${p}nodejs_eventloop_lag_mean_seconds`, 'The mean of the recorded event loop delays.', 'gauge', ns(h.mean)),
      renderSample(`${p}nodejs_eventloop_lag_stddev_seconds`, 'The standard deviation of the recorded event loop delays.', 'gauge', ns(h.stddev)),
      renderSample(`${p}nodejs_eventloop_lag_p50_seconds`, 'The 50th percentile of the recorded event loop delays.', 'gauge', ns(h.percentile(50))),
      renderSample(`${p}nodejs_eventloop_lag_p90_seconds`, 'The 90th percentile of the recorded event loop delays.', 'gauge', ns(h.percentile(90))),
      renderSample(`${p}nodejs_eventloop_lag_p99_seconds`, 'The 99th percentile of the recorded event loop delays.', 'gauge', ns(h.percentile(99))),
    ];
    h.reset();
    const fds = openFds();
    return [
      renderSample(`${p}process_cpu_user_seconds_total`, 'Total user CPU time spent in seconds.', 'counter', cpu.user / 1e6),
      renderSample(`${p}process_cpu_system_seconds_total`, 'Total system CPU time spent in seconds.', 'counter', cpu.system / 1e6),
      renderSample(`${p}process_cpu_seconds_total`, 'Total user and system CPU time spent in seconds.', 'counter', (cpu.user + cpu.system) / 1e6),
      renderSample(`${p}process_start_time_seconds`, 'Start time of the process since unix epoch in seconds.', 'gauge', START_TIME_SECONDS),
      renderSample(`${p}process_resident_memory_bytes`, 'Resident memory size in bytes.', 'gauge', mem.rss),
      ...(fds === null ? [] : [renderSample(`${p}process_open_fds`, 'Number of open file descriptors.', 'gauge', fds)]),
      ...maxFdsBlock(p),
      renderSample(`${p}nodejs_heap_size_total_bytes`, 'Process heap size from Node.js in bytes.', 'gauge', mem.heapTotal),
      renderSample(`${p}nodejs_heap_size_used_bytes`, 'Process heap size used from Node.js in bytes.', 'gauge', mem.heapUsed),
      renderSample(`${p}nodejs_external_memory_bytes`, 'Node.js external memory size in bytes.', 'gauge', mem.external),
      renderSample(`${p}nodejs_eventloop_utilization`, 'Fraction of time the event loop was busy since the previous scrape (0 to 1).', 'gauge', elu.utilization),
      ...lagBlocks,
      this.gc.render(),
      this.version.render(),
    ];
  }

  close(): void {
    this.lag.disable();
    this.gcObserver.disconnect();
    this.gc.clear();
    this.lastElu = undefined;
  }
}

/** Open descriptors (Linux: /proc/self/fd, less the one this read opens), or null elsewhere. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}

let maxFds: number | null | undefined;

/** The soft limit on descriptors (read once: it does not change under a running gateway). */
function maxFdsBlock(prefix: string): string[] {
  if (maxFds === undefined) {
    try {
      const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
      maxFds = m === null ? null : Number(m[1]);
    } catch {
      maxFds = null;
    }
  }
  return maxFds === null ? [] : [renderSample(`${prefix}process_max_fds`, 'Maximum number of open file descriptors.', 'gauge', maxFds)];
}
