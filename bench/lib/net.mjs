// Shared by bench sections and real-engine tests: a free TCP port on 127.0.0.1, and a bounded
// load loop (a few concurrent GETs, only to 127.0.0.1) counting answers that are not 200.
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

export function startLoadLoop(url, { concurrency = 4, maxRequests = 100_000, maxMs = 300_000 } = {}) {
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]):/.test(url)) throw new Error(`load loops only go to 127.0.0.1: ${url}`);
  const until = Date.now() + maxMs;
  let stopped = false;
  let requests = 0;
  const failures = [];
  const worker = async () => {
    while (!stopped && requests < maxRequests && Date.now() < until) {
      requests++;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`HTTP ${res.status}`);
      } catch (error) {
        failures.push(String(error?.cause?.code ?? error?.cause ?? error));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return { requests, failed: failures.length, failures: [...new Set(failures)].slice(0, 10) };
    },
  };
}
