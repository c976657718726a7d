// Test helpers for the registry: a discovery.json builder, the SSE reader for /v1/watch
// (shared with the benchmark), and polling until a condition holds.
import type { DiscoveryConfig, DiscoveryService } from '../../src/runtime/contract/index.js';

export function discoveryFor(services: Record<string, Partial<DiscoveryService>>, project = 'shop'): DiscoveryConfig {
  const base: DiscoveryService = {
    kind: 'template',
    port: 3000,
    check: { type: 'http', path: '/healthz' },
    intervalMs: 200,
    timeoutMs: 150,
    failuresBeforeCritical: 2,
    startPeriodMs: 0,
    ttlMs: 3000,
    deregisterAfterMs: 60_000,
    instances: [],
  };
  return { version: 1, project, network: `${project}_net`, services: Object.fromEntries(Object.entries(services).map(([name, s]) => [name, { ...base, ...s }])) };
}

export { SseReader, type SseEvent } from '../../bench/lib/registry/sse.mjs';

export async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
