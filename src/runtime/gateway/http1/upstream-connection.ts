// One keep-alive HTTP/1.1 connection from a pool (upstream-pool.ts) to an upstream instance,
// over a raw socket: it writes the request head and frames the body itself, parses the answer
// with head.ts and relays its body with backpressure. The per-exchange decisions live here:
// connect, response-header and body-idle deadlines (checked by the pool's sweep), the
// upstream's `Keep-Alive: timeout` hint, whether the connection may be reused, and the
// stale-connection retry (an idempotent request without a body is retried once on a fresh
// connection when a reused one closed before any byte of the answer). Kept apart from the pool
// so that each file holds one job; the pool is seen only through ConnectionPool.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { BodySink } from './body.js';
import { ChunkedDecoder, LAST_CHUNK, chunkPrefix, type ChunkSink } from './chunked.js';
import { HEAD_END, isHeadError, parseResponseHead, type ResponseHead } from './head.js';
import { IDEMPOTENT_METHODS, UpstreamError, type TunnelSink, type UpstreamHandler, type UpstreamLink, type UpstreamRequest, type UpstreamTunnelEnd } from './upstream-types.js';

/**
 * TLS to an upstream. The certificate is verified against Node's bundled root store plus
 * NODE_EXTRA_CA_CERTS (both are tls's defaults when no `ca` is given); `servername` is sent as
 * SNI and checked against the certificate (default: the address, unless it is an IP).
 * `insecureSkipVerify` turns verification off (the gateway logs a warning when configured).
 */
export interface UpstreamTls {
  servername?: string;
  insecureSkipVerify?: boolean;
  /** Extra trusted CA certificates (PEM), added to the default store (tests, private CAs). */
  ca?: readonly string[];
}

/** What a connection needs from its pool (UpstreamPool), so that neither module imports the other. */
export interface ConnectionPool {
  readonly address: string;
  readonly port: number;
  readonly hostHeader: string;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** HTTPS upstream: TLS settings; null for plain HTTP. */
  readonly tls: UpstreamTls | null;
  readonly closing: boolean;
  /** The answer is complete and the connection reusable: next waiting request, or idle. */
  release(conn: UpstreamConnection): void;
  /** The connection is gone (closed or destroyed). */
  forget(conn: UpstreamConnection): void;
  /** The stale-connection retry: the request again, on a new connection. */
  dispatchFresh(request: UpstreamRequest, handler: UpstreamHandler): void;
}

// What the connection is reading (`state`): an answer's head or body, or nothing (IDLE).
const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_UNTIL_CLOSE = 3;
const IDLE = 4;
/** Switched protocols (101): out of the pool, bytes go to the tunnel sink. */
const TUNNEL = 5;

// Where the socket is in its life (`life`), apart from what it is reading: one field, so that
// "connected" and "dead" cannot both hold.
const CONNECTING = 0;
const CONNECTED = 1;
/** Closed or destroyed: never used again. */
const DEAD = 2;
type Life = typeof CONNECTING | typeof CONNECTED | typeof DEAD;

const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
/** How a connection the upstream closed while idle fails on reuse. */
const STALE_SIGNS = new Set(['ECONNRESET', 'EPIPE', 'PORTICO_UPSTREAM_CLOSED', 'PORTICO_UPSTREAM_DESYNC']);

const STATUS_LINE_START = Buffer.from('HTTP/');

/** The first bytes of `buf` are (a prefix of) `HTTP/`. */
function startsLikeStatusLine(buf: Buffer): boolean {
  const n = Math.min(buf.length, STATUS_LINE_START.length);
  for (let i = 0; i < n; i++) if (buf[i] !== STATUS_LINE_START[i]) return false;
  return true;
}

// Upstream sockets read into one shared buffer (net's `onread`) instead of a new Buffer per
// read pushed through a Readable stream: cheaper per response. Each read is handled before the
// next one can happen, so the only rule is that nothing keeps a view of it: what must outlive
// the callback is copied (a partial head here, body chunks in the response writer and cache).
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const TIMER_NONE = 0;
const TIMER_CONNECT = 1;
const TIMER_HEADERS = 2;
const TIMER_BODY = 3;

export class UpstreamConnection implements UpstreamLink, BodySink, ChunkSink, UpstreamTunnelEnd {
  readonly socket: net.Socket;
  handler: UpstreamHandler | null = null;
  request: UpstreamRequest | null = null;
  /** Requests this connection has carried (0 while on its first). */
  served = 0;
  idleSince = 0;
  idleLimitMs: number;
  private state = IDLE;
  private life: Life = CONNECTING;
  private buf: Buffer | null = null;
  private remaining = 0;
  private decoder: ChunkedDecoder | null = null;
  private responseKeepAlive = true;
  private requestWritten = false;
  private gotBytes = false;
  private paused = false;
  private deadline = 0;
  /** For body timeouts: the deadline moves with each chunk (idle time, not total). */
  private timerMs = 0;
  private timerKind = TIMER_NONE;
  private headRequest = false;
  private tunnel: TunnelSink | null = null;

  constructor(private readonly pool: ConnectionPool) {
    this.idleLimitMs = pool.idleTimeoutMs;
    this.socket = pool.tls === null ? this.connectPlain(pool) : this.connectTls(pool, pool.tls);
    const socket = this.socket;
    socket.setKeepAlive(true, 30_000);
    socket.on('drain', () => {
      if (this.tunnel !== null) this.tunnel.upstreamDrained();
      else this.request?.body?.resume();
    });
    socket.on('end', () => this.onEnd());
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error.code ?? 'ECONNRESET', error.message));
    socket.on('close', (hadError: boolean) => this.onClose(hadError));
    this.arm(TIMER_CONNECT, pool.connectTimeoutMs);
  }

  /** The socket is ready for the request (TCP connected, or the TLS handshake verified). */
  private connected(): void {
    if (this.life === CONNECTING) this.life = CONNECTED;
    if (this.timerKind === TIMER_CONNECT) this.disarm();
    this.armHeadersTimeout();
  }

  private connectPlain(pool: ConnectionPool): net.Socket {
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
    socket.on('connect', () => this.connected());
    return socket;
  }

  /**
   * TLS reads go through 'data' events: a TLSSocket does not take net's `onread` buffer. The
   * request is written only after 'secureConnect', i.e. once the certificate was verified; a
   * failed verification is an 'error' whose code (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID,
   * ...) the Exchange names in its 502.
   */
  private connectTls(pool: ConnectionPool, options: UpstreamTls): net.Socket {
    const servername = options.servername ?? (net.isIP(pool.address) === 0 ? pool.address : undefined);
    const socket = tls.connect({
      host: pool.address,
      port: pool.port,
      servername,
      rejectUnauthorized: options.insecureSkipVerify !== true,
      ca: options.ca === undefined ? undefined : [...tls.rootCertificates, ...extraCaCertificates(), ...options.ca],
      ALPNProtocols: ['http/1.1'],
    });
    socket.setNoDelay(true);
    socket.on('secureConnect', () => this.connected());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    return socket;
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
    if (this.life === CONNECTED && this.requestWritten && this.state === HEAD && this.handler !== null) this.arm(TIMER_HEADERS, this.request!.headersTimeout);
  }

  // ---- BodySink: the client's request body

  writeBody(chunk: Buffer): boolean {
    if (this.life === DEAD || this.handler === null) return true;
    if (!this.request!.body!.chunked) return this.socket.write(chunk);
    this.socket.cork();
    this.socket.write(chunkPrefix(chunk.length), 'latin1');
    this.socket.write(chunk);
    const ok = this.socket.write('\r\n', 'latin1');
    this.socket.uncork();
    return ok;
  }

  endBody(): void {
    if (this.life === DEAD || this.handler === null) return;
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
      if (this.tunnel !== null) return this.tunnel.upstreamData(chunk);
      // Bytes nobody asked for (on an idle connection): the stream is out of sync.
      this.destroy();
      return;
    }
    this.gotBytes = true;
    let data = chunk;
    if (this.state === HEAD) {
      // On a reused connection, an answer that does not start like a status line is the rest of
      // the previous one (a body sent after a HEAD, 204 or 304 answer, in a later packet): the
      // stream is out of sync. Checked once per answer, on its first bytes.
      if (this.buf === null && this.served > 0 && !startsLikeStatusLine(chunk)) return this.fail('PORTICO_UPSTREAM_DESYNC', 'upstream sent more than its previous answer');
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
      const end = buf.indexOf(HEAD_END, offset);
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
        if (head.status === 101) {
          if (this.request!.upgrade === true && this.handler!.onUpgrade !== undefined && this.requestWritten) return this.switchProtocols(head, buf.subarray(offset)), -1;
          return this.fail('PORTICO_BAD_RESPONSE', 'unexpected protocol switch from upstream'), -1;
        }
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
        this.decoder = new ChunkedDecoder(this.request!.trailers === true);
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
    const trailers = this.decoder?.trailers ?? null;
    const reusable = this.responseKeepAlive && this.requestWritten && !extra && this.life !== DEAD;
    this.detach();
    this.served++;
    if (reusable) this.pool.release(this);
    else this.destroy();
    if (trailers === null || trailers === '') handler.onComplete();
    else handler.onComplete(trailers);
  }

  /**
   * 101 to an upgrade request: the connection leaves the pool (never reused, no deadlines) and
   * its bytes go to whoever the handler attaches (a tunnel), starting with `rest`.
   */
  private switchProtocols(head: ResponseHead, rest: Buffer): void {
    const handler = this.handler!;
    this.detach();
    this.state = TUNNEL;
    this.served++;
    this.pool.forget(this);
    handler.onUpgrade!(head, this, rest);
  }

  attach(sink: TunnelSink): void {
    this.tunnel = sink;
  }

  private onEnd(): void {
    if (this.tunnel !== null) return this.tunnel.upstreamEnded();
    if (this.state === BODY_UNTIL_CLOSE && this.handler !== null) {
      const handler = this.handler;
      this.detach();
      this.destroy();
      handler.onComplete();
      return;
    }
    this.fail('PORTICO_UPSTREAM_CLOSED', 'upstream closed the connection');
  }

  private onClose(hadError: boolean): void {
    this.life = DEAD;
    this.disarm();
    this.pool.forget(this);
    if (this.tunnel !== null) return this.tunnel.upstreamClosed(hadError);
    if (this.handler !== null) this.fail('PORTICO_UPSTREAM_CLOSED', 'upstream closed the connection');
  }

  /** End the exchange with an error (if one is running) and drop the connection. */
  private fail(code: string, message: string): void {
    const handler = this.handler;
    const request = this.request;
    const stale = this.served > 0 && (!this.gotBytes || code === 'PORTICO_UPSTREAM_DESYNC');
    this.detach();
    this.destroy();
    if (handler === null || request === null) return;
    // A reused connection the upstream had closed while it sat idle (or that was out of sync
    // from the first byte of the answer): retried once on a fresh
    // connection, only for a request that may safely run twice (RFC 9110 9.2.2: idempotent,
    // and without a body, which is gone once sent), since the upstream might have seen it.
    if (stale && request.body === null && IDEMPOTENT_METHODS.has(request.method) && STALE_SIGNS.has(code) && !this.pool.closing) {
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
    if (this.life === DEAD) return;
    this.life = DEAD;
    this.disarm();
    this.socket.destroy();
    this.pool.forget(this);
  }

  get alive(): boolean {
    return this.life !== DEAD;
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

/**
 * NODE_EXTRA_CA_CERTS is read by Node once at startup into its default store; a `ca` option
 * replaces that store, so when extra CAs are given the file is added back explicitly.
 */
let extraCa: string[] | null = null;
function extraCaCertificates(): string[] {
  if (extraCa !== null) return extraCa;
  const file = process.env.NODE_EXTRA_CA_CERTS;
  extraCa = [];
  if (file === undefined || file === '') return extraCa;
  try {
    const text = readFileSync(file, 'utf8');
    extraCa = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  } catch {
    // Node already warned about an unreadable file at startup.
  }
  return extraCa;
}
