// Keep-alive connection pool to one upstream instance, speaking HTTP/1.1 over raw sockets.
// It replaced undici's Pool in the gateway: for a proxy that already holds the request as
// flat header strings, writing the head itself and parsing the answer with head.ts costs a
// fraction of undici's per-request machinery (measured: docs/gateway.md, "Performance").
// Timeouts (connect, response headers, body idle), stale keep-alive connections (an
// idempotent request without a body is retried once on a fresh connection when a reused one
// closed before any byte of the answer), bounded
// connections with a wait queue, and the upstream's `Keep-Alive: timeout` hint are handled
// here; the decisions about retries on other instances stay with the Exchange.
import net from 'node:net';
import type { BodySink, RequestBody } from './body.js';
import { ChunkedDecoder, LAST_CHUNK, chunkPrefix, type ChunkSink } from './chunked.js';
import { isHeadError, parseResponseHead, type ResponseHead } from './head.js';

export interface UpstreamRequest {
  method: string;
  /** Origin-form target sent upstream. */
  path: string;
  /**
   * Flat [name, value, ...] headers to send (Host included when the client sent one), without
   * framing headers: Content-Length and Transfer-Encoding are written here, from the body.
   */
  headers: readonly string[];
  body: RequestBody | null;
  /** Content-Length to declare when there is no body (0 for an empty POST), else -1. */
  emptyLength: number;
  headersTimeout: number;
  bodyTimeout: number;
}

/** The receiving side of one upstream exchange (the gateway's Exchange). */
export interface UpstreamHandler {
  /** The request has a connection; `link.abort()` cancels it, `link.resume()` after backpressure. */
  onConnect(link: UpstreamLink): void;
  /** The answer's head: status, and the header lines to relay (hop-by-hop ones removed). */
  onHeaders(head: ResponseHead): void;
  /**
   * A piece of the answer's body: a view valid during this call only (copy to keep it).
   * Returns false to pause the upstream until `link.resume()`.
   */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(error: UpstreamError): void;
}

export interface UpstreamLink {
  abort(): void;
  resume(): void;
}

export type UpstreamErrorCode =
  | 'PORTICO_CONNECT_TIMEOUT'
  | 'PORTICO_HEADERS_TIMEOUT'
  | 'PORTICO_BODY_TIMEOUT'
  | 'PORTICO_BAD_RESPONSE'
  | 'PORTICO_UPSTREAM_CLOSED'
  | 'PORTICO_POOL_CLOSED'
  | string;

export class UpstreamError extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
    /** True when no byte of the answer arrived (nothing reached the client yet). */
    readonly beforeResponse: boolean,
  ) {
    super(message);
  }
}

export interface UpstreamPoolOptions {
  connectTimeoutMs: number;
  /** Open connections at most; further requests wait in a queue. */
  maxConnections?: number;
  /** Idle connections are closed after this (or the upstream's Keep-Alive hint minus 1 s). */
  idleTimeoutMs?: number;
}

const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_UNTIL_CLOSE = 3;
const IDLE = 4;

const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** How a connection the upstream closed while idle fails on reuse. */
const STALE_SIGNS = new Set(['ECONNRESET', 'EPIPE', 'PORTICO_UPSTREAM_CLOSED']);

// Upstream sockets read into one shared buffer (net's `onread`) instead of a new Buffer per
// read pushed through a Readable stream: cheaper per response. Each read is handled before the
// next one can happen, so the only rule is that nothing keeps a view of it: what must outlive
// the callback is copied (a partial head here, body chunks in the response writer and cache).
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const CRLFCRLF = Buffer.from('\r\n\r\n');

const TIMER_NONE = 0;
const TIMER_CONNECT = 1;
const TIMER_HEADERS = 2;
const TIMER_BODY = 3;

// Timeouts are deadlines checked by one sweep over all pools (every SWEEP_MS) instead of a
// timer armed, refreshed and cleared per request: measurably cheaper on the hot path, at the
// price of up to SWEEP_MS of lateness.
const SWEEP_MS = 50;
const livePools = new Set<UpstreamPool>();
let sweeper: NodeJS.Timeout | null = null;

function watchPool(pool: UpstreamPool): void {
  livePools.add(pool);
  if (sweeper !== null) return;
  sweeper = setInterval(() => {
    const now = Date.now();
    for (const p of livePools) p.checkDeadlines(now);
  }, SWEEP_MS);
  sweeper.unref();
}

function unwatchPool(pool: UpstreamPool): void {
  livePools.delete(pool);
  if (livePools.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

class UpstreamConnection implements UpstreamLink, BodySink, ChunkSink {
  readonly socket: net.Socket;
  handler: UpstreamHandler | null = null;
  request: UpstreamRequest | null = null;
  /** Requests this connection has carried (0 while on its first). */
  served = 0;
  idleSince = 0;
  idleLimitMs: number;
  private state = IDLE;
  private buf: Buffer | null = null;
  private remaining = 0;
  private decoder: ChunkedDecoder | null = null;
  private responseKeepAlive = true;
  private requestWritten = false;
  private gotBytes = false;
  private connected = false;
  private paused = false;
  private dead = false;
  private deadline = 0;
  /** For body timeouts: the deadline moves with each chunk (idle time, not total). */
  private timerMs = 0;
  private timerKind = TIMER_NONE;
  private headRequest = false;

  constructor(private readonly pool: UpstreamPool) {
    this.idleLimitMs = pool.idleTimeoutMs;
    const socket = net.connect({
      host: pool.address,
      port: pool.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          this.onData((buffer as Buffer).subarray(0, bytes));
          return true; // keep reading (pausing goes through socket.pause())
        },
      },
    });
    this.socket = socket;
    socket.setKeepAlive(true, 30_000);
    socket.on('connect', () => {
      this.connected = true;
      if (this.timerKind === TIMER_CONNECT) this.disarm();
      this.armHeadersTimeout();
    });
    socket.on('drain', () => this.request?.body?.resume());
    socket.on('end', () => this.onEnd());
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error.code ?? 'ECONNRESET', error.message));
    socket.on('close', () => this.onClose());
    this.arm(TIMER_CONNECT, pool.connectTimeoutMs);
  }

  start(request: UpstreamRequest, handler: UpstreamHandler): void {
    this.request = request;
    this.handler = handler;
    this.state = HEAD;
    this.gotBytes = false;
    this.requestWritten = false;
    this.responseKeepAlive = true;
    this.headRequest = request.method === 'HEAD';
    handler.onConnect(this);
    if (this.handler !== handler) return; // aborted from onConnect
    this.socket.write(requestHead(request, this.pool.hostHeader), 'latin1');
    const body = request.body;
    if (body === null) {
      this.requestWritten = true;
      this.armHeadersTimeout();
    } else {
      body.attach(this);
    }
  }

  /**
   * The wait for the answer's head starts once the whole request is written (and the socket
   * connected): a slow upload is the client's slowness, not the upstream's, and must not
   * count against the service (504, ejection, breaker).
   */
  private armHeadersTimeout(): void {
    if (this.connected && this.requestWritten && this.state === HEAD && this.handler !== null) this.arm(TIMER_HEADERS, this.request!.headersTimeout);
  }

  // ---- BodySink: the client's request body

  writeBody(chunk: Buffer): boolean {
    if (this.dead || this.handler === null) return true;
    if (!this.request!.body!.chunked) return this.socket.write(chunk);
    this.socket.cork();
    this.socket.write(chunkPrefix(chunk.length), 'latin1');
    this.socket.write(chunk);
    const ok = this.socket.write('\r\n', 'latin1');
    this.socket.uncork();
    return ok;
  }

  endBody(): void {
    if (this.dead || this.handler === null) return;
    if (this.request!.body!.chunked) this.socket.write(LAST_CHUNK, 'latin1');
    this.requestWritten = true;
    this.armHeadersTimeout();
  }

  failBody(error: Error): void {
    // The request can't be completed: the connection is unusable, the handler learns why.
    const handler = this.handler;
    if (handler === null) return;
    this.detach();
    this.destroy();
    handler.onError(error as UpstreamError);
  }

  // ---- UpstreamLink

  abort(): void {
    if (this.handler === null) return;
    this.detach();
    this.destroy();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
    this.arm(TIMER_BODY, this.request?.bodyTimeout ?? 0);
  }

  // ---- reading the answer

  /** `chunk` is a view of the shared read buffer: valid during this call only. */
  private onData(chunk: Buffer): void {
    if (this.handler === null) {
      // Bytes nobody asked for (on an idle connection): the stream is out of sync.
      this.destroy();
      return;
    }
    this.gotBytes = true;
    let data = chunk;
    if (this.state === HEAD) {
      const buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
      this.buf = null;
      const used = this.readHead(buf);
      if (used < 0) return;
      if (used === 0) {
        this.buf = buf === chunk ? Buffer.from(chunk) : buf;
        return;
      }
      data = buf.subarray(used);
    }
    if (data.length > 0 || this.state !== HEAD) this.readBody(data);
  }

  /** Returns the head's byte length, 0 when incomplete, -1 when the exchange ended (error). */
  private readHead(buf: Buffer): number {
    let offset = 0;
    for (;;) {
      const end = buf.indexOf(CRLFCRLF, offset);
      if (end === -1) {
        if (buf.length - offset > MAX_RESPONSE_HEAD_BYTES) return this.fail('PORTICO_BAD_RESPONSE', 'upstream response head too large'), -1;
        if (offset > 0) {
          this.buf = Buffer.from(buf.subarray(offset));
          return -1;
        }
        return 0;
      }
      const head = parseResponseHead(buf.toString('latin1', offset, end));
      if (isHeadError(head)) return this.fail('PORTICO_BAD_RESPONSE', head.message), -1;
      offset = end + 4;
      if (head.status < 200) {
        if (head.status === 101) return this.fail('PORTICO_BAD_RESPONSE', 'unexpected protocol switch from upstream'), -1;
        continue; // 100 Continue, 102, 103 Early Hints: informational, not relayed
      }
      if (head.keepAliveTimeoutS > 0) this.idleLimitMs = Math.min(this.pool.idleTimeoutMs, Math.max(0, head.keepAliveTimeoutS * 1000 - 1000));
      this.responseKeepAlive = head.keepAlive;
      const status = head.status;
      if (this.headRequest || status === 204 || status === 304) {
        this.state = BODY_LENGTH;
        this.remaining = 0;
      } else if (head.chunked) {
        this.state = BODY_CHUNKED;
        this.decoder = new ChunkedDecoder();
      } else if (head.contentLength >= 0) {
        this.state = BODY_LENGTH;
        this.remaining = head.contentLength;
      } else {
        this.state = BODY_UNTIL_CLOSE;
        this.responseKeepAlive = false;
      }
      this.arm(TIMER_BODY, this.request!.bodyTimeout);
      const handler = this.handler!;
      handler.onHeaders(head);
      if (this.handler !== handler) return -1; // aborted while handling the head
      return offset;
    }
  }

  private readBody(data: Buffer): void {
    const handler = this.handler!;
    if (this.timerKind === TIMER_BODY) this.deadline = Date.now() + this.timerMs;
    switch (this.state) {
      case BODY_LENGTH: {
        const take = Math.min(this.remaining, data.length);
        if (take > 0) {
          this.remaining -= take;
          this.deliver(take === data.length ? data : data.subarray(0, take));
          if (this.handler !== handler) return;
        }
        if (this.remaining === 0) this.complete(data.length > take);
        return;
      }
      case BODY_CHUNKED: {
        const decoder = this.decoder!;
        const used = decoder.decode(data, 0, this);
        if (this.handler !== handler) return;
        if (used < 0) return void this.fail('PORTICO_BAD_RESPONSE', `malformed chunked answer from upstream: ${decoder.error}`);
        if (decoder.done) this.complete(used < data.length);
        return;
      }
      case BODY_UNTIL_CLOSE:
        if (data.length > 0) this.deliver(data);
        return;
      default:
        return;
    }
  }

  onChunk(data: Buffer): void {
    if (this.handler !== null) this.deliver(data);
  }

  private deliver(data: Buffer): void {
    if (!this.handler!.onData(data) && !this.paused && this.handler !== null) {
      this.paused = true;
      this.socket.pause();
      this.disarm(); // the client is slow, not the upstream
    }
  }

  /** The answer is complete; `extra` = bytes followed it (a protocol error for keep-alive). */
  private complete(extra: boolean): void {
    const handler = this.handler!;
    const reusable = this.responseKeepAlive && this.requestWritten && !extra && !this.dead;
    this.detach();
    this.served++;
    if (reusable) this.pool.release(this);
    else this.destroy();
    handler.onComplete();
  }

  private onEnd(): void {
    if (this.state === BODY_UNTIL_CLOSE && this.handler !== null) {
      const handler = this.handler;
      this.detach();
      this.destroy();
      handler.onComplete();
      return;
    }
    this.fail('PORTICO_UPSTREAM_CLOSED', 'upstream closed the connection');
  }

  private onClose(): void {
    this.dead = true;
    this.disarm();
    this.pool.forget(this);
    if (this.handler !== null) this.fail('PORTICO_UPSTREAM_CLOSED', 'upstream closed the connection');
  }

  /** End the exchange with an error (if one is running) and drop the connection. */
  private fail(code: string, message: string): void {
    const handler = this.handler;
    const request = this.request;
    const stale = this.served > 0 && !this.gotBytes;
    this.detach();
    this.destroy();
    if (handler === null || request === null) return;
    // A reused connection the upstream had closed while it sat idle: retried once on a fresh
    // connection, only for a request that may safely run twice (RFC 9110 9.2.2: idempotent,
    // and without a body, which is gone once sent), since the upstream might have seen it.
    if (stale && request.body === null && IDEMPOTENT.has(request.method) && STALE_SIGNS.has(code) && !this.pool.closing) {
      this.pool.dispatchFresh(request, handler);
      return;
    }
    handler.onError(new UpstreamError(code, message, !this.gotBytes));
  }

  private detach(): void {
    this.handler = null;
    this.request = null;
    this.buf = null;
    this.decoder = null;
    this.state = IDLE;
    this.disarm();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.disarm();
    this.socket.destroy();
    this.pool.forget(this);
  }

  get alive(): boolean {
    return !this.dead;
  }

  // ---- deadlines (checked by the pools' sweep)

  private arm(kind: number, ms: number): void {
    if (ms <= 0) return this.disarm();
    this.timerKind = kind;
    this.timerMs = ms;
    this.deadline = Date.now() + ms;
  }

  private disarm(): void {
    this.timerKind = TIMER_NONE;
  }

  checkDeadline(now: number): void {
    if (this.handler === null) {
      // Idle past its limit: close it now rather than find it stale on the next request.
      if (this.idleSince !== 0 && now - this.idleSince > this.idleLimitMs) this.destroy();
      return;
    }
    if (this.timerKind === TIMER_NONE || now < this.deadline) return;
    const kind = this.timerKind;
    this.timerKind = TIMER_NONE;
    if (kind === TIMER_CONNECT) this.fail('PORTICO_CONNECT_TIMEOUT', `connect to ${this.pool.address}:${this.pool.port} timed out`);
    else if (kind === TIMER_HEADERS) this.fail('PORTICO_HEADERS_TIMEOUT', 'upstream sent no response headers in time');
    else if (kind === TIMER_BODY) this.fail('PORTICO_BODY_TIMEOUT', 'upstream response body stalled');
  }
}

function requestHead(request: UpstreamRequest, hostHeader: string): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  const headers = request.headers;
  let hasHost = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
    head += `${name}: ${headers[i + 1]}\r\n`;
  }
  if (!hasHost) head += `host: ${hostHeader}\r\n`;
  const body = request.body;
  if (body === null) {
    if (request.emptyLength === 0) head += 'content-length: 0\r\n';
  } else if (body.chunked) {
    head += 'transfer-encoding: chunked\r\n';
  } else {
    head += `content-length: ${body.length}\r\n`;
  }
  return head + '\r\n';
}

interface Waiting {
  request: UpstreamRequest;
  handler: UpstreamHandler;
}

export class UpstreamPool {
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly hostHeader: string;
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
    this.hostHeader = `${address.includes(':') ? `[${address}]` : address}:${port}`;
    watchPool(this);
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
      unwatchPool(this);
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.onDrained = () => {
      unwatchPool(this);
      resolve();
    }));
  }

}
