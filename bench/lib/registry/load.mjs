// A bounded GET load against one URL: `concurrency` keep-alive loops that stop on stop(),
// after `maxMs`, or after `maxRequests`, whichever comes first. Every failure (an error or a
// status >= 500) is kept with its time, so a test can say which phase lost requests.
import http from 'node:http';

/**
 * @param {string} url
 * @param {{ concurrency?: number, maxMs?: number, maxRequests?: number, timeoutMs?: number, pauseMs?: number }} [options]
 */
export function startLoad(url, options = {}) {
  const { concurrency = 4, maxMs = 60_000, maxRequests = 50_000, timeoutMs = 5_000, pauseMs = 5 } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const startedAt = Date.now();
  const stats = { total: 0, ok: 0, failures: [], latenciesMs: [] };
  let stopped = false;

  const once = () =>
    new Promise((resolve) => {
      const began = Date.now();
      const request = http.get(url, { agent, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - began }));
        res.on('error', (error) => resolve({ error: error.message, ms: Date.now() - began }));
      });
      request.on('timeout', () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
      request.on('error', (error) => resolve({ error: error.message, ms: Date.now() - began }));
    });

  const loop = async () => {
    while (!stopped && stats.total < maxRequests && Date.now() - startedAt < maxMs) {
      stats.total += 1;
      const at = Date.now();
      const result = await once();
      stats.latenciesMs.push(result.ms);
      if (result.error !== undefined || result.status >= 500) stats.failures.push({ at, ...result });
      else stats.ok += 1;
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const loops = Promise.all(Array.from({ length: concurrency }, loop));

  return {
    stats,
    /** Stops the loops and reports: requests, failures, p50/p99 latency, requests per second. */
    async stop() {
      stopped = true;
      await loops;
      agent.destroy();
      const sorted = [...stats.latenciesMs].sort((a, b) => a - b);
      const pct = (p) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
      const seconds = (Date.now() - startedAt) / 1000;
      return { requests: stats.total, ok: stats.ok, failed: stats.failures.length, failures: stats.failures.slice(0, 20), p50Ms: pct(50), p99Ms: pct(99), rps: Math.round(stats.total / seconds) };
    },
  };
}
