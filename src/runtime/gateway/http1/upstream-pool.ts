// Keep-alive connection pool to one upstream instance, speaking HTTP/1.1 over raw sockets.
// It replaced undici's Pool in the gateway: for a proxy that already holds the request as
// flat header strings, writing the head itself and parsing the answer with head.ts costs a
// fraction of undici's per-request machinery (measured: docs/gateway.md, "Performance").
// The pool handles bounded connections with a wait queue, reuse of idle connections (within
// the upstream's `Keep-Alive: timeout` hint) and one deadline sweep over all pools; each
// connection (upstream-connection.ts) handles its own exchange: timeouts (connect, response
// headers, body idle) and the retry of a stale keep-alive connection. The decisions about
// retries on other instances stay with the Exchange.
import { Sweep } from './sweep.js';
import { UpstreamConnection, type ConnectionPool, type UpstreamTls } from './upstream-connection.js';
import { UpstreamError, type UpstreamHandler, type UpstreamRequest } from './upstream-types.js';

export type { UpstreamTls } from './upstream-connection.js';
export { IDEMPOTENT_METHODS, UpstreamError, type TunnelSink, type UpstreamErrorCode, type UpstreamHandler, type UpstreamLink, type UpstreamRequest, type UpstreamTunnelEnd } from './upstream-types.js';

export interface UpstreamPoolOptions {
  connectTimeoutMs: number;
  /** Open connections at most; further requests wait in a queue. */
  maxConnections?: number;
  /** Idle connections are closed after this (or the upstream's Keep-Alive hint minus 1 s). */
  idleTimeoutMs?: number;
  /** HTTPS: connect with TLS (upstream-connection.ts, UpstreamTls). */
  tls?: UpstreamTls | null;
}

// Timeouts are deadlines checked by one sweep over all pools (every 50 ms) instead of a timer
// armed, refreshed and cleared per request: measurably cheaper on the hot path, at the price of
// up to 50 ms of lateness.
const pools = new Sweep<UpstreamPool>(50, (pool, now) => pool.checkDeadlines(now));

interface Waiting {
  request: UpstreamRequest;
  handler: UpstreamHandler;
}

export class UpstreamPool implements ConnectionPool {
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly hostHeader: string;
  readonly tls: UpstreamTls | null;
  private readonly maxConnections: number;
  private readonly idle: UpstreamConnection[] = [];
  private readonly open = new Set<UpstreamConnection>();
  private readonly waiting: Waiting[] = [];
  closing = false;
  private onDrained: (() => void) | null = null;

  constructor(
    readonly address: string,
    readonly port: number,
    options: UpstreamPoolOptions,
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.maxConnections = options.maxConnections ?? 512;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.tls = options.tls ?? null;
    this.hostHeader = `${address.includes(':') ? `[${address}]` : address}:${port}`;
    pools.add(this);
  }

  checkDeadlines(now: number): void {
    for (const conn of this.open) conn.checkDeadline(now);
  }

  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void {
    if (this.closing) {
      handler.onError(new UpstreamError('PORTICO_POOL_CLOSED', 'upstream pool closed', true));
      return;
    }
    const now = Date.now();
    while (this.idle.length > 0) {
      const conn = this.idle.pop()!;
      if (conn.alive && now - conn.idleSince < conn.idleLimitMs) {
        conn.start(request, handler);
        return;
      }
      conn.destroy();
    }
    if (this.open.size < this.maxConnections) {
      this.dispatchFresh(request, handler);
      return;
    }
    this.waiting.push({ request, handler });
  }

  /** On a new connection, bypassing idle ones (stale-connection retry). */
  dispatchFresh(request: UpstreamRequest, handler: UpstreamHandler): void {
    const conn = new UpstreamConnection(this);
    this.open.add(conn);
    conn.start(request, handler);
  }

  /** A waiting request's client went away before it got a connection. */
  cancel(handler: UpstreamHandler): void {
    const i = this.waiting.findIndex((w) => w.handler === handler);
    if (i !== -1) this.waiting.splice(i, 1);
  }

  release(conn: UpstreamConnection): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      conn.start(next.request, next.handler);
      return;
    }
    if (this.closing) {
      conn.destroy();
      return;
    }
    conn.idleSince = Date.now();
    this.idle.push(conn);
  }

  forget(conn: UpstreamConnection): void {
    if (!this.open.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    // A slot opened: a waiting request gets a new connection.
    const next = this.waiting.shift();
    if (next !== undefined) this.dispatchFresh(next.request, next.handler);
    else if (this.closing && this.open.size === 0) this.onDrained?.();
  }

  /** Let in-flight requests finish, then close every connection (hot reload drops nothing). */
  close(): Promise<void> {
    this.closing = true;
    for (const conn of this.idle.splice(0)) conn.destroy();
    if (this.open.size === 0) {
      pools.delete(this);
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.onDrained = () => {
      pools.delete(this);
      resolve();
    }));
  }

}
