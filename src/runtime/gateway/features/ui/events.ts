// /_portico/ui/events: the Overview page's live feed, as server-sent events. Each event is the
// gateway's status (what /_portico/health answers: routes, registry subscription, upstream
// instances and breakers, uptime, config version), sent on connect, every PERIOD_MS, and soon
// after the registry or a breaker reports a change. The timer runs only while a page is
// connected, so an idle gateway does no work for it.
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { GatewayStatus } from '../types.js';

export const PERIOD_MS = 2000;
/** Changes arrive in bursts (a snapshot, then each service); one event covers a burst. */
const CHANGE_DEBOUNCE_MS = 100;

export class StatusEvents {
  private readonly clients = new Set<HttpResponse>();
  /** Streams whose socket is full: skipped until they drain. */
  private readonly full = new Set<HttpResponse>();
  private timer: NodeJS.Timeout | null = null;
  private pendingChange: NodeJS.Timeout | null = null;
  private seq = 0;

  constructor(private status: () => GatewayStatus) {}

  /** A reload hands the stream over to the next config's instance: its status source. */
  setSource(status: () => GatewayStatus): void {
    this.status = status;
  }

  get connected(): number {
    return this.clients.size;
  }

  subscribe(req: HttpRequest, res: HttpResponse): void {
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' });
      res.end('GET only');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    this.clients.add(res);
    res.owner = { closed: () => this.drop(res), resume: () => void this.full.delete(res) };
    this.send(res, this.event());
    this.timer ??= setInterval(() => this.broadcast(), PERIOD_MS);
    this.timer.unref();
  }

  /** The registry or a breaker changed something the page shows. */
  changed(): void {
    if (this.clients.size === 0 || this.pendingChange !== null) return;
    this.pendingChange = setTimeout(() => {
      this.pendingChange = null;
      this.broadcast();
    }, CHANGE_DEBOUNCE_MS);
    this.pendingChange.unref();
  }

  /** End every stream (the gateway stops). */
  close(): void {
    for (const res of [...this.clients]) res.end();
    this.clients.clear();
    this.full.clear();
    this.stopTimers();
  }

  private broadcast(): void {
    if (this.clients.size === 0) return;
    const event = this.event();
    for (const res of this.clients) this.send(res, event);
  }

  private event(): string {
    return `id: ${++this.seq}\nevent: status\ndata: ${JSON.stringify({ at: new Date().toISOString(), ...this.status() })}\n\n`;
  }

  private send(res: HttpResponse, event: string): void {
    // A page that stopped reading gets no more (the next tick tries again); never buffer without bound.
    if (res.destroyed) this.drop(res);
    else if (!this.full.has(res) && !res.write(event)) this.full.add(res);
  }

  private drop(res: HttpResponse): void {
    this.clients.delete(res);
    this.full.delete(res);
    if (this.clients.size === 0) this.stopTimers();
  }

  private stopTimers(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.pendingChange !== null) clearTimeout(this.pendingChange);
    this.timer = null;
    this.pendingChange = null;
  }
}
