// Shared by bench sections and real-engine tests: a free TCP port on 127.0.0.1, and a bounded
// load loop (a few concurrent GETs, only to 127.0.0.1) counting answers that are not 200:
// back to back by default (as many as the machine serves), or paced (`pauseMs` after each).
import http from 'node:http';
import { createServer } from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function startLoadLoop(url, { concurrency = 4, maxRequests = 100_000, maxMs = 300_000, pauseMs = 0 } = {}) {
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]):/.test(url)) throw new Error(`load loops only go to 127.0.0.1: ${url}`);
  const until = Date.now() + maxMs;
  let stopped = false;
  let requests = 0;
  const failures = [];
  // node:http with keep-alive, not fetch: a third of fetch's CPU per request, so on 2 cores the
  // loop takes less of the machine away from what it loads.
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const worker = async () => {
    while (!stopped && requests < maxRequests && Date.now() < until) {
      requests++;
      try {
        const status = await httpGet(url, agent, 10_000);
        if (status !== 200) failures.push(`HTTP ${status}`);
      } catch (error) {
        failures.push(String(error?.code ?? error));
      }
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
      return { requests, failed: failures.length, failures: [...new Set(failures)].slice(0, 10) };
    },
  };
}

/** GET `url`; resolves with the status (the body goes to `onBody` when given), rejects on a network error or after `timeoutMs` without data. */
export function httpGet(url, agent, timeoutMs, onBody) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => onBody && chunks.push(c));
      res.on('end', () => {
        onBody?.(Buffer.concat(chunks).toString('utf8'));
        resolve(res.statusCode);
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', reject);
  });
}
