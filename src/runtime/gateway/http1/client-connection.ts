// One client connection of the HTTP/1.1 server (server.ts), over a raw TCP socket:
// strict head parsing (head.ts), one request at a time (pipelined requests wait in the
// buffer, and reading stops when they pile up or the client does not read its answers),
// bodies streamed with backpressure (body.ts), the answer framed by response.ts, header,
// request and keep-alive timeouts checked by the server's sweep (slowloris protection), and a
// bounded linger before closing so the client can read the last answer. Kept apart from the
// server so that each file holds one job; the server is seen only through ConnectionServer.
import type { Socket } from 'node:net';
import { RequestBody, type BodySource } from './body.js';
import { ChunkedDecoder } from './chunked.js';
import { HEAD_END, isHeadError, parseRequestHead, type HeadError, type RequestHead } from './head.js';
import { HttpResponse, type ResponseConnection } from './response.js';
import { HttpRequest, type RejectHandler, type RequestHandler, type ServerLimits, type SessionFactory } from './server-types.js';

/** What a connection needs from its server (Http1Server), so that neither module imports the other. */
export interface ConnectionServer<S> {
  readonly limits: ServerLimits;
  readonly handler: RequestHandler<S>;
  readonly reject: RejectHandler;
  readonly openSession: SessionFactory<S>;
  /** The server is shutting down: no connection is kept alive after its answer. */
  readonly closing: boolean;
  /** The connection's socket closed, or left HTTP for a tunnel (see `switchProtocols`). */
  forget(conn: ClientConnection<S>): void;
  /** A socket handed over to a tunnel: the server still closes it when it shuts down. */
  adopt(socket: Socket): void;
}

/** After the last answer: how long a closing connection may linger, and how much input it may still send. */
const CLOSE_LINGER_MS = 2_000;
const MAX_DISCARD_BYTES = 256 * 1024;

// Where a connection is in its life: one field, so no two flags can disagree. Whether a request
// is being answered is `req !== null` (it may be while OPEN or CLOSING).
/** Reading and answering requests. */
const OPEN = 0;
/** No request in flight, and the client has not read earlier answers: nothing more is parsed until it drains. */
const WAITING_FOR_DRAIN = 1;
/** No further request will be read: the last answer lingers, input is discarded (bounded). */
const CLOSING = 2;
/** The socket closed. */
const CLOSED = 3;
/** The socket left HTTP (101 Switching Protocols): another owner reads and writes it. */
const SWITCHED = 4;
type ConnectionState = typeof OPEN | typeof WAITING_FOR_DRAIN | typeof CLOSING | typeof CLOSED | typeof SWITCHED;

// Why reading is paused: a set of reasons, since each is lifted on its own; reading resumes when
// none is left.
/** The request body's consumer is not keeping up (backpressure). */
const PAUSED_BY_BODY = 1;
/** Pipelined requests piled up behind the current one. */
const PAUSED_BY_PIPELINE = 2;

export class ClientConnection<S = unknown> implements ResponseConnection, BodySource {
  private state: ConnectionState = OPEN;
  private paused = 0;
  private buf: Buffer | null = null;
  private req: HttpRequest<S> | null = null;
  private res: HttpResponse | null = null;
  private body: RequestBody | null = null;
  private decoder: ChunkedDecoder | null = null;
  private bodyRemaining = 0;
  /** When the head being read started (connection open for the first request); 0 = none. */
  private headSince: number;
  private requestSince = 0;
  private idleSince = 0;
  /** Re-entrancy guard: an answer given synchronously inside pump() must not start a nested pump. */
  private pumping = false;
  /** When the server decided to close (answer sent with `connection: close`, or a refusal). */
  private closingSince = 0;
  private discarded = 0;

  constructor(
    readonly socket: Socket,
    private readonly server: ConnectionServer<S>,
  ) {
    this.headSince = Date.now();
    this.remoteAddress = socket.remoteAddress ?? '';
    this.session = server.openSession(this.remoteAddress);
    socket.setNoDelay(true);
    socket.on('data', this.dataListener);
    socket.on('drain', this.drainListener);
    socket.on('error', () => socket.destroy());
    socket.on('end', this.endListener);
    socket.on('close', this.closeListener);
  }

  // Kept so that switchProtocols() can take exactly these off the socket (net.Socket has
  // listeners of its own on 'end').
  private readonly dataListener = (chunk: Buffer): void => this.onData(chunk);
  private readonly drainListener = (): void => this.onDrain();
  private readonly endListener = (): void => this.onEnd();
  private readonly closeListener = (): void => this.onClose();

  /**
   * The current request switched protocols (the upstream answered 101): the socket leaves HTTP.
   * Nothing more is parsed; the caller gets the socket, reading, and the bytes the client sent
   * after the request's head (already buffered), which belong to the new protocol.
   */
  switchProtocols(): { socket: Socket; pending: Buffer | null } {
    const socket = this.socket;
    socket.off('data', this.dataListener);
    socket.off('drain', this.drainListener);
    socket.off('end', this.endListener);
    socket.off('close', this.closeListener);
    const pending = this.buf;
    this.buf = null;
    this.req = null;
    this.res = null;
    this.body = null;
    this.state = SWITCHED;
    this.server.forget(this);
    this.server.adopt(socket);
    if (this.paused !== 0) {
      this.paused = 0;
      socket.resume();
    }
    return { socket, pending };
  }

  // ---- reading

  private onData(chunk: Buffer): void {
    if (this.state === CLOSING) return this.discard(chunk.length);
    if (this.body !== null && !this.body.complete) {
      const used = this.feedBody(chunk, 0);
      if (used < 0 || used === chunk.length) return;
      chunk = chunk.subarray(used);
    }
    if (this.buf === null) {
      this.buf = chunk;
      if (this.req === null && this.headSince === 0) this.headSince = Date.now();
    } else {
      this.buf = Buffer.concat([this.buf, chunk]);
    }
    if (this.req !== null || this.state === WAITING_FOR_DRAIN) {
      // Pipelined bytes wait for the current answer (or for the client to read the previous
      // ones); stop reading if they pile up.
      if (this.buf.length > this.server.limits.maxHeaderBytes * 2 && (this.paused & PAUSED_BY_PIPELINE) === 0) {
        this.paused |= PAUSED_BY_PIPELINE;
        this.socket.pause();
      }
      return;
    }
    this.pump();
  }

  /** Parse and dispatch buffered requests, one at a time. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.req === null && this.buf !== null && this.state === OPEN) {
        // A client that pipelines requests but does not read the answers (the application may
        // answer some itself, at once) gets no more of them read until it does.
        if (this.socket.writableNeedDrain) {
          this.state = WAITING_FOR_DRAIN;
          break;
        }
        if (!this.startRequest()) break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Returns false when no complete head is buffered (or the connection was refused). */
  private startRequest(): boolean {
    let buf = this.buf!;
    // RFC 9112: ignore empty lines before a request line (dropped, so they cannot pile up).
    let start = 0;
    while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
    if (start > 0) {
      if (start === buf.length) {
        this.buf = null;
        return false;
      }
      buf = buf.subarray(start);
      this.buf = buf;
    }
    const limits = this.server.limits;
    const end = buf.indexOf(HEAD_END);
    if (end === -1 || end + 4 > limits.maxHeaderBytes) {
      if (buf.length > limits.maxHeaderBytes) this.reject(tooLarge(buf, limits));
      return false;
    }
    const parsed = parseRequestHead(buf.toString('latin1', 0, end), limits.maxUrlLength);
    if (isHeadError(parsed)) {
      this.reject(parsed);
      return false;
    }
    const rest = end + 4;
    this.buf = rest === buf.length ? null : buf.subarray(rest);
    this.headSince = 0;
    this.requestSince = Date.now();
    this.beginExchange(parsed);
    return true;
  }

  private beginExchange(head: RequestHead): void {
    let body: RequestBody | null = null;
    if (head.chunked) {
      body = new RequestBody(true, -1, this);
      this.decoder = new ChunkedDecoder();
    } else if (head.contentLength > 0) {
      body = new RequestBody(false, head.contentLength, this);
      this.bodyRemaining = head.contentLength;
    }
    this.body = body;
    const req = new HttpRequest(head.method, head.url, head.rawHeaders, head.contentLength, body, this.remoteAddress, this.session, head.upgrade, head.teTrailers);
    const res = new HttpResponse(this, head.method === 'HEAD', head.versionMinor === 0);
    this.req = req;
    this.res = res;
    this.keepAliveRequested = head.keepAlive;
    // Expect: 100-continue is answered here; the upstream gets the body without waiting.
    if (head.expectContinue && body !== null) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    if (body !== null && this.buf !== null) {
      const pending = this.buf;
      this.buf = null;
      const used = this.feedBody(pending, 0);
      if (used >= 0 && used < pending.length) this.buf = pending.subarray(used);
    }
    this.server.handler(req, res);
  }

  private keepAliveRequested = true;
  private readonly remoteAddress: string;
  /** The application's value for this connection (see SessionFactory). */
  private readonly session: S;

  /** Feed body bytes; returns bytes used, or -1 when the body was malformed (connection cut). */
  private feedBody(chunk: Buffer, offset: number): number {
    const body = this.body!;
    if (this.decoder !== null) {
      const used = this.decoder.decode(chunk, offset, body);
      if (used < 0) {
        this.malformedBody();
        return -1;
      }
      if (this.decoder.done) {
        this.decoder = null;
        body.finish();
      }
      return used;
    }
    const take = Math.min(this.bodyRemaining, chunk.length - offset);
    this.bodyRemaining -= take;
    body.onChunk(take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
    if (this.bodyRemaining === 0) body.finish();
    return take;
  }

  /**
   * A chunked body turned out malformed after its head was handed on: the exchange aborts the
   * upstream request and answers 400 (as it does for a body that ends early); nothing more is
   * read. Cut at once only when an answer has already started, since no 400 can follow it.
   */
  private malformedBody(): void {
    this.body!.abort();
    if (this.res === null || this.res.headersSent) return this.cut();
    this.startClosing();
  }

  private onDrain(): void {
    this.res?.drained();
    if (this.state !== WAITING_FOR_DRAIN) return;
    this.state = OPEN;
    this.unpause(PAUSED_BY_PIPELINE);
    this.pump();
  }

  // ---- BodySource

  pause(): void {
    this.paused |= PAUSED_BY_BODY;
    this.socket.pause();
  }

  resume(): void {
    this.unpause(PAUSED_BY_BODY);
  }

  /** Lift one reason for pausing; reading resumes when none is left. */
  private unpause(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0) this.socket.resume();
  }

  // ---- ResponseConnection

  canKeepAlive(): boolean {
    // A body nobody read to its end leaves the connection unusable for the next request.
    return this.keepAliveRequested && this.state === OPEN && !this.server.closing && (this.body === null || this.body.complete);
  }

  responseDone(res: HttpResponse, keepAlive: boolean): void {
    if (res !== this.res) return;
    this.req = null;
    this.res = null;
    const body = this.body;
    this.body = null;
    if (!keepAlive || (body !== null && !body.complete)) {
      this.startClosing();
      this.socket.end();
      return;
    }
    this.idleSince = Date.now();
    if (this.buf !== null) this.headSince = this.idleSince;
    // The body is complete: whatever paused reading for it no longer applies (no request was in
    // flight while waiting for drain, so that state cannot hold here).
    if (this.paused !== 0) {
      this.paused = 0;
      this.socket.resume();
    }
    if (this.server.closing) {
      this.startClosing();
      this.socket.end();
      return;
    }
    this.pump();
  }

  // ---- ends

  private onEnd(): void {
    // The client closed its side. Like Node's http server (httpAllowHalfOpen off), a request
    // still in flight counts as abandoned: the upstream request is aborted, nothing is sent.
    if (this.req === null) this.socket.end();
    else this.socket.destroy();
  }

  private onClose(): void {
    this.state = CLOSED;
    this.server.forget(this);
    this.body?.abort();
    const res = this.res;
    this.res = null;
    this.req = null;
    res?.socketClosed();
  }

  private reject(error: HeadError): void {
    this.startClosing();
    this.server.reject(error, this.socket);
  }

  private cut(): void {
    if (this.state !== CLOSED) this.state = CLOSING;
    this.socket.destroy();
  }

  /**
   * No further request will be read. The socket stays open a moment so the client can read
   * the last answer before the close (closing with unread input would send a reset and could
   * destroy that answer), but what it still sends is dropped, not buffered, and bounded.
   */
  private startClosing(): void {
    if (this.closingSince === 0) this.closingSince = Date.now();
    if (this.state !== CLOSED) this.state = CLOSING;
    this.buf = null;
  }

  private discard(bytes: number): void {
    this.discarded += bytes;
    if (this.discarded > MAX_DISCARD_BYTES) this.socket.destroy();
  }

  /** Called by the server's sweep: slow headers, slow bodies, idle keep-alive. */
  checkTimeouts(now: number): void {
    if (this.closingSince !== 0) {
      if (now - this.closingSince > CLOSE_LINGER_MS) this.socket.destroy();
      return;
    }
    const limits = this.server.limits;
    if (this.req === null) {
      if (this.headSince !== 0 && now - this.headSince > limits.headersMs) {
        this.reject({ status: 408, message: 'request headers not received in time' });
      } else if (this.headSince === 0 && this.idleSince !== 0 && now - this.idleSince > limits.keepAliveMs) {
        this.cut();
      }
      return;
    }
    if (this.body !== null && !this.body.complete && now - this.requestSince > limits.requestMs) {
      if (this.res === null || this.res.headersSent) return this.cut();
      // The exchange answers 408 (and aborts its upstream request); the connection then closes.
      this.body.timeOut();
      this.startClosing();
    }
  }

  /** Server shutdown: idle connections close now, busy ones after their answer. */
  closeIfIdle(): void {
    if (this.req === null) {
      this.startClosing();
      this.socket.end();
    }
  }
}

function tooLarge(buf: Buffer, limits: ServerLimits): HeadError {
  const lineEnd = buf.indexOf('\r\n');
  const requestLineTooLong = lineEnd === -1 || lineEnd > limits.maxUrlLength;
  return requestLineTooLong
    ? { status: 414, message: `request target longer than ${limits.maxUrlLength} bytes` }
    : { status: 431, message: `request headers larger than ${limits.maxHeaderBytes} bytes` };
}
