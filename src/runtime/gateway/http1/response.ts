// The gateway's answer on a client connection: a small subset of Node's ServerResponse
// (statusCode, setHeader, writeHead, write, end, destroy) over the raw socket. It frames the
// body itself: the upstream's Content-Length is kept, anything else is re-chunked (or
// close-delimited for HTTP/1.0), and the head goes out in the same write as the first bytes
// of the body, so a small answer is one syscall.
import { STATUS_CODES } from 'node:http';
import { LAST_CHUNK, chunkPrefix } from './chunked.js';

const LENGTH = 0;
const CHUNKED = 1;
const UNTIL_CLOSE = 2;
const NONE = 3;

/** Send the head and a body chunk in one write below this size (else a corked writev). */
const COALESCE_LIMIT = 16 * 1024;

/** What the response needs from its connection. */
export interface ResponseConnection {
  readonly socket: import('node:net').Socket;
  /** May this connection carry another request after this answer? */
  canKeepAlive(): boolean;
  /** The answer is complete (or abandoned); `keepAlive` false closes the connection. */
  responseDone(res: HttpResponse, keepAlive: boolean): void;
  /** The request switched protocols: the socket leaves HTTP (ClientConnection.switchProtocols). */
  switchProtocols(): { socket: import('node:net').Socket; pending: Buffer | null };
}

/** Who is told when the answer completes or the client goes away, and when it drained. */
export interface ResponseOwner {
  closed(): void;
  resume(): void;
}

let dateText = '';
let dateAt = 0;
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateText = new Date(dateAt).toUTCString();
  }
  return dateText;
}

/**
 * Format a flat [name, value, ...] list as header lines. Framing and connection management
 * belong to this hop (the gateway writes its own): Transfer-Encoding and Connection are left
 * out; Content-Length and Date are noted in `facts`.
 */
function headerLines(list: readonly string[], facts: { hasLength: boolean; hasDate: boolean }): string {
  let lines = '';
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i];
    const len = name.length;
    if (len === 14 || len === 4 || len === 17 || len === 10) {
      const lower = name.toLowerCase();
      if (lower === 'content-length') facts.hasLength = true;
      else if (lower === 'date') facts.hasDate = true;
      else if (lower === 'transfer-encoding' || lower === 'connection') continue;
    }
    lines += `${name}: ${list[i + 1]}\r\n`;
  }
  return lines;
}

export class HttpResponse {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  /** end() was called and the bytes were handed to the socket. */
  writableFinished = false;
  /** Set by the exchange once it proxies: told about completion and drain. */
  owner: ResponseOwner | null = null;
  /** Body bytes handed to the socket (without the head or chunk framing): for analytics. */
  bodyBytes = 0;
  private extra: string[] | null = null;
  private pendingHead: string | null = null;
  private mode = NONE;
  private keepAlive = true;
  private ownerNotified = false;

  constructor(
    private readonly conn: ResponseConnection,
    /** The request was HEAD: never a body. */
    private readonly headRequest: boolean,
    /** HTTP/1.0 client: no chunked coding, explicit keep-alive. */
    private readonly http10: boolean,
  ) {}

  setHeader(name: string, value: string | number): void {
    const lower = name.toLowerCase();
    const extra = (this.extra ??= []);
    for (let i = 0; i < extra.length; i += 2) {
      if (extra[i] === lower) {
        extra[i + 1] = String(value);
        return;
      }
    }
    extra.push(lower, String(value));
  }

  /** Prepare the head; it is sent with the first body bytes (or at end()). */
  writeHead(status: number, headers?: readonly string[] | Record<string, string>): this {
    if (this.headersSent) return this;
    const facts = { hasLength: false, hasDate: false };
    let lines = this.extra === null ? '' : headerLines(this.extra, facts);
    if (headers !== undefined) lines += headerLines(Array.isArray(headers) ? headers : Object.entries(headers).flat(), facts);
    return this.commitHead(status, lines, facts.hasLength, facts.hasDate);
  }

  /**
   * Prepare the head from header lines already formatted (each ending in CRLF, no framing or
   * connection headers: an upstream's, see head.ts), plus the gateway's own `extras`.
   */
  writeHeadBlock(status: number, block: string, hasLength: boolean, hasDate: boolean, extras: readonly string[]): this {
    if (this.headersSent) return this;
    const facts = { hasLength, hasDate };
    let lines = block;
    if (this.extra !== null) lines += headerLines(this.extra, facts);
    for (let i = 0; i < extras.length; i += 2) lines += `${extras[i]}: ${extras[i + 1]}\r\n`;
    return this.commitHead(status, lines, facts.hasLength, facts.hasDate);
  }

  /** Status line, header lines, then this hop's framing and connection headers. */
  private commitHead(status: number, lines: string, hasLength: boolean, hasDate: boolean): this {
    this.statusCode = status;
    this.headersSent = true;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n${lines}`;
    this.keepAlive = this.conn.canKeepAlive();
    const bodyless = this.headRequest || status < 200 || status === 204 || status === 304;
    if (bodyless) this.mode = NONE;
    else if (hasLength) this.mode = LENGTH;
    else if (!this.http10) {
      this.mode = CHUNKED;
      head += 'transfer-encoding: chunked\r\n';
    } else {
      this.mode = UNTIL_CLOSE;
      this.keepAlive = false;
    }
    if (!this.keepAlive) head += 'connection: close\r\n';
    else if (this.http10) head += 'connection: keep-alive\r\n';
    if (!hasDate) head += `date: ${httpDate()}\r\n`;
    this.pendingHead = head + '\r\n';
    return this;
  }

  /**
   * Returns false when the client socket is full (the owner's resume() follows on drain).
   * `transient`: the chunk is a view of a reused read buffer, so it is copied if it has to
   * wait in the socket's queue.
   */
  write(chunk: Buffer | string, transient = false): boolean {
    if (this.destroyed || this.writableFinished) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (typeof chunk === 'string') chunk = Buffer.from(chunk, 'utf8');
    else if (transient && (this.mode === CHUNKED || this.pendingHead === null || chunk.length >= COALESCE_LIMIT)) chunk = Buffer.from(chunk);
    const data = chunk;
    if (this.mode === NONE || data.length === 0) return this.flushHead();
    this.bodyBytes += data.length;
    const socket = this.conn.socket;
    if (this.mode === CHUNKED) {
      const prefix = chunkPrefix(data.length);
      socket.cork();
      const head = this.pendingHead;
      this.pendingHead = null;
      socket.write(head === null ? prefix : head + prefix, 'latin1');
      socket.write(data);
      const ok = socket.write('\r\n', 'latin1');
      socket.uncork();
      return ok;
    }
    const head = this.pendingHead;
    if (head === null) return socket.write(data);
    this.pendingHead = null;
    // Head and body as one latin1 string (byte-exact): Node writes small strings straight from
    // a stack buffer with a synchronous try-write, cheaper than allocating a joined Buffer.
    if (data.length < COALESCE_LIMIT) return socket.write(head + data.toString('latin1'), 'latin1');
    socket.cork();
    socket.write(head, 'latin1');
    const ok = socket.write(data);
    socket.uncork();
    return ok;
  }

  /**
   * `trailers`: trailer lines (each ending in CRLF, already checked: chunked.ts) sent in the
   * last chunk; only a chunked answer can carry them, any other drops them.
   */
  end(chunk?: Buffer | string, trailers?: string): void {
    if (this.writableFinished || this.destroyed) return;
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.mode === CHUNKED) {
      const head = this.pendingHead;
      this.pendingHead = null;
      const last = trailers === undefined ? LAST_CHUNK : `0\r\n${trailers}\r\n`;
      this.conn.socket.write(head === null ? last : head + last, 'latin1');
    } else {
      this.flushHead();
    }
    this.writableFinished = true;
    this.conn.responseDone(this, this.keepAlive && this.mode !== UNTIL_CLOSE);
    this.notifyOwner();
  }

  /**
   * The answer is `101 Switching Protocols`: this response is over without a byte written, and
   * the socket is handed over, with the bytes the client already sent past its request head.
   * The caller writes the 101 head itself.
   */
  switchProtocols(): { socket: import('node:net').Socket; pending: Buffer | null } {
    this.statusCode = 101;
    this.headersSent = true;
    this.writableFinished = true;
    this.ownerNotified = true;
    return this.conn.switchProtocols();
  }

  /** Abandon the answer: the connection is cut (the only honest signal mid-body). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.conn.socket.destroy();
  }

  /** The client connection closed (called by the connection). */
  socketClosed(): void {
    if (!this.writableFinished) this.destroyed = true;
    this.notifyOwner();
  }

  drained(): void {
    this.owner?.resume();
  }

  private flushHead(): boolean {
    const head = this.pendingHead;
    if (head === null) return true;
    this.pendingHead = null;
    return this.conn.socket.write(head, 'latin1');
  }

  private notifyOwner(): void {
    if (this.ownerNotified || this.owner === null) return;
    this.ownerNotified = true;
    this.owner.closed();
  }
}
