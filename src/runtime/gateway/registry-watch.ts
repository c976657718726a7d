// Subscribes to the registry's GET /v1/watch (server-sent events) and feeds instance changes to
// the upstreams. Resumes with Last-Event-ID after a disconnect, reconnects with capped
// exponential backoff (with jitter), and never clears what it knows on failure: the gateway
// keeps balancing over the last known good set while the registry is away. Until the first
// snapshot arrives, the upstreams keep using discovery.json's static instances.
import http from 'node:http';
import type { WatchChange, WatchSnapshot } from '../contract/index.js';
import type { GatewayLogger } from './log.js';
import { SseParser, type SseEvent } from './sse.js';

export interface WatchTarget {
  setRegistrySnapshot(services: WatchSnapshot['services']): void;
  setRegistryService(name: string, instances: WatchChange['instances']): void;
}

export interface RegistryWatchOptions {
  url: string;
  token?: string;
  target: WatchTarget;
  logger: GatewayLogger;
  /** First reconnect delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** No bytes (not even a ping) for this long = a dead stream: reconnect. */
  idleTimeoutMs?: number;
}

export type WatchState = 'connecting' | 'connected' | 'waiting' | 'stopped';

export class RegistryWatch {
  state: WatchState = 'connecting';
  lastEventId: string | null = null;
  /** Events applied (snapshots + changes), for tests and health. */
  applied = 0;
  connects = 0;
  private stopped = false;
  private abort: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoff: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;

  constructor(private readonly options: RegistryWatchOptions) {
    this.minBackoff = options.minBackoffMs ?? 250;
    this.maxBackoff = options.maxBackoffMs ?? 5_000;
    this.backoff = this.minBackoff;
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.state = 'stopped';
    if (this.timer !== null) clearTimeout(this.timer);
    this.abort?.abort();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.state = 'connecting';
    const abort = new AbortController();
    this.abort = abort;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastEventId !== null) headers['last-event-id'] = this.lastEventId;
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    try {
      const res = await openStream(new URL('/v1/watch', this.options.url), headers, abort.signal, this.options.idleTimeoutMs ?? 45_000);
      if (res.statusCode !== 200) {
        res.resume();
        throw new Error(`registry watch answered ${res.statusCode}`);
      }
      this.state = 'connected';
      this.connects++;
      this.backoff = this.minBackoff;
      this.options.logger.info({ registry: this.options.url, resumeFrom: this.lastEventId }, 'registry watch connected');
      const parser = new SseParser((event) => this.onEvent(event));
      res.setEncoding('utf8');
      for await (const chunk of res) parser.push(chunk as string);
      throw new Error('registry closed the watch stream');
    } catch (error) {
      if (this.stopped) return;
      this.state = 'waiting';
      const delay = Math.round(this.backoff * (0.75 + Math.random() * 0.5));
      this.backoff = Math.min(this.maxBackoff, this.backoff * 2);
      this.options.logger.warn({ registry: this.options.url, err: (error as Error).message, retryInMs: delay }, 'registry watch interrupted; keeping the last known instances');
      this.timer = setTimeout(() => void this.connect(), delay);
      this.timer.unref();
    }
  }

  private onEvent(event: SseEvent): void {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.options.logger.warn({ event: event.event }, 'registry watch: ignoring an event that is not JSON');
      return;
    }
    if (event.event === 'snapshot') {
      const snapshot = data as WatchSnapshot;
      if (snapshot === null || typeof snapshot.services !== 'object') return;
      this.options.target.setRegistrySnapshot(snapshot.services);
    } else if (event.event === 'change') {
      const change = data as WatchChange;
      if (change === null || typeof change.service !== 'string' || !Array.isArray(change.instances)) return;
      this.options.target.setRegistryService(change.service, change.instances);
    } else {
      return;
    }
    if (event.id !== null) this.lastEventId = event.id;
    this.applied++;
  }
}

/** Response headers must arrive within this. */
const HEADERS_TIMEOUT_MS = 5_000;

/**
 * GET an event stream. Resolves once the response headers are in; the stream then fails
 * (ending the caller's read loop) when nothing at all arrives for `idleMs`, pings included.
 */
function openStream(url: URL, headers: Record<string, string>, signal: AbortSignal, idleMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, signal, agent: false }, (res) => {
      clearTimeout(headersTimer);
      req.setTimeout(idleMs, () => req.destroy(new Error(`registry watch stream idle for ${idleMs} ms`)));
      resolve(res);
    });
    const headersTimer = setTimeout(() => req.destroy(new Error('registry watch: no response headers in time')), HEADERS_TIMEOUT_MS);
    req.on('error', (error) => {
      clearTimeout(headersTimer);
      reject(error);
    });
  });
}
