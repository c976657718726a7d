// Test helpers for the registry: a discovery.json builder, an SSE reader for /v1/watch, and
// polling until a condition holds.
import http from 'node:http';
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

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

/** Reads /v1/watch; `next()` waits for the next event (comments are counted, not returned). */
export class SseReader {
  readonly events: SseEvent[] = [];
  comments = 0;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private consumed = 0;
  private request: http.ClientRequest;
  readonly ready: Promise<http.IncomingMessage>;

  constructor(url: string, headers: Record<string, string> = {}) {
    let resolveReady!: (res: http.IncomingMessage) => void;
    let rejectReady!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.feed(chunk));
      resolveReady(res);
    });
    this.request.on('error', rejectReady);
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) {
          this.comments += 1;
          continue;
        }
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (fields.data !== undefined) this.events.push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) });
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The next unread event, waiting up to `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.events.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events[this.consumed++]!;
  }

  /** Skips events until one matches. */
  async until(predicate: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (predicate(event)) return event;
    }
  }

  close(): void {
    this.request.destroy();
  }
}

export async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
