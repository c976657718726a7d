// A bounded load loop against the gateway on 127.0.0.1: a few concurrent GETs in a loop until
// stopped (or a hard cap of requests and time), counting answers that are not 200.
export interface LoadLoop {
  stop(): Promise<{ requests: number; failed: number; failures: string[] }>;
}

export function startLoadLoop(url: string, options: { concurrency?: number; maxRequests?: number; maxMs?: number } = {}): LoadLoop {
  const { concurrency = 4, maxRequests = 50_000, maxMs = 180_000 } = options;
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]):/.test(url)) throw new Error(`load loops only go to 127.0.0.1: ${url}`);
  const until = Date.now() + maxMs;
  let stopped = false;
  let requests = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (!stopped && requests < maxRequests && Date.now() < until) {
      requests++;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`HTTP ${res.status}`);
      } catch (error) {
        failures.push(String((error as Error).cause ?? error));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return { requests, failed: failures.length, failures: failures.slice(0, 10) };
    },
  };
}
