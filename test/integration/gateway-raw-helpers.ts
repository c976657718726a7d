// Wire-level tools for the gateway's HTTP/1.1 tests, where the bytes themselves are what is
// being checked: raw client connections, a response parser independent of the code under test,
// and raw upstream servers that can misbehave. All on 127.0.0.1, owned by a FixtureScope.
import net, { type AddressInfo } from 'node:net';
import type { FixtureScope } from './gateway-helpers.js';

/** One response as it came off the wire, for assertions on framing as well as content. */
export interface ParsedResponse {
  status: number;
  reason: string;
  /** Lowercase names; repeats joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  /** Data chunks on the wire (chunked framing only). */
  chunks: number;
}

/**
 * Parse one response from `buf` at `off` (independent of the code under test). Returns null
 * when incomplete; throws when the bytes are not a response at all.
 */
function parseOne(buf: Buffer, off: number, head: boolean, closed: boolean): { res: ParsedResponse; next: number } | null {
  const end = buf.indexOf('\r\n\r\n', off, 'latin1');
  if (end === -1) return null;
  const lines = buf.toString('latin1', off, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (m === null) throw new Error(`not a status line at byte ${off}: ${JSON.stringify(buf.toString('latin1', off, Math.min(end, off + 80)))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = Number(m[1]);
  let p = end + 4;
  const make = (body: Buffer, chunks = 0): ParsedResponse => ({ status, reason: m[2] ?? '', headers, body, text: body.toString('utf8'), chunks });
  if (head || status < 200 || status === 204 || status === 304) return { res: make(Buffer.alloc(0)), next: p };
  if (headers['transfer-encoding'] !== undefined) {
    if (headers['transfer-encoding'].toLowerCase() !== 'chunked') throw new Error(`unexpected transfer-encoding ${headers['transfer-encoding']}`);
    const parts: Buffer[] = [];
    for (;;) {
      const le = buf.indexOf('\r\n', p, 'latin1');
      if (le === -1) return null;
      const sizeText = buf.toString('latin1', p, le).split(';')[0];
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`bad chunk size line ${JSON.stringify(buf.toString('latin1', p, Math.min(le, p + 40)))}`);
      const size = parseInt(sizeText, 16);
      p = le + 2;
      if (size === 0) {
        for (;;) {
          const te = buf.indexOf('\r\n', p, 'latin1');
          if (te === -1) return null;
          const line = buf.toString('latin1', p, te);
          p = te + 2;
          if (line === '') break;
        }
        return { res: make(Buffer.concat(parts), parts.length), next: p };
      }
      if (p + size + 2 > buf.length) return null;
      parts.push(buf.subarray(p, p + size));
      if (buf[p + size] !== 13 || buf[p + size + 1] !== 10) throw new Error('chunk data not followed by CRLF');
      p += size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (p + n > buf.length) return null;
    return { res: make(buf.subarray(p, p + n)), next: p + n };
  }
  if (!closed) return null; // close-delimited: complete only once the connection closed
  return { res: make(buf.subarray(p)), next: buf.length };
}

/**
 * All complete responses in `buf`, informational (1xx) ones skipped, and how many bytes are left
 * over (0 when nothing stray followed). `head[i]`: the i-th answer is to a HEAD.
 */
export function parseResponses(buf: Buffer, opts: { head?: boolean[]; closed?: boolean } = {}): { responses: ParsedResponse[]; rest: number } {
  const responses: ParsedResponse[] = [];
  let off = 0;
  while (off < buf.length) {
    const r = parseOne(buf, off, opts.head?.[responses.length] ?? false, opts.closed ?? false);
    if (r === null) break;
    off = r.next;
    if (r.res.status >= 200) responses.push(r.res);
  }
  return { responses, rest: buf.length - off };
}

/** A raw TCP client, for requests no HTTP library would send: write bytes, wait for what comes back. */
export class RawClient {
  readonly socket: net.Socket;
  readonly connected: Promise<void>;
  private chunks: Buffer[] = [];
  private listeners = new Set<() => void>();
  closed = false;
  closedAt = 0;

  private constructor(scope: FixtureScope, port: number, options: { allowHalfOpen?: boolean }) {
    this.socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false });
    this.socket.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => {});
    this.socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.notify();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.notify();
    });
    scope.trackClient(this);
  }

  /** A connected client to 127.0.0.1:`port`, destroyed by `scope`. */
  static async open(scope: FixtureScope, port: number, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    const c = new RawClient(scope, port, options);
    await c.connected;
    return c;
  }

  get data(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  get text(): string {
    return this.data.toString('latin1');
  }

  write(data: string | Buffer): void {
    if (this.socket.destroyed) return;
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolve with check()'s value once it is truthy (re-checked on every data/close event). */
  waitFor<T>(check: () => T | null | undefined | false, ms = 3_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const run = (): void => {
        let v: T | null | undefined | false;
        try {
          v = check();
        } catch (error) {
          done();
          reject(error);
          return;
        }
        if (v) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; received ${this.data.length} bytes: ${JSON.stringify(this.text.slice(0, 400))}; closed=${this.closed}`));
      }, ms);
      const listener = (): void => run();
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      run();
    });
  }

  /** Wait for `n` complete (non-1xx) responses. */
  responses(n: number, opts: { head?: boolean[]; ms?: number } = {}): Promise<ParsedResponse[]> {
    return this.waitFor(
      () => {
        const { responses } = parseResponses(this.data, { head: opts.head, closed: this.closed });
        if (responses.length >= n) return responses;
        if (this.closed) throw new Error(`connection closed after ${responses.length} of ${n} responses: ${JSON.stringify(this.text.slice(0, 600))}`);
        return null;
      },
      opts.ms ?? 3_000,
      `${n} responses`,
    );
  }

  waitClosed(ms = 3_000): Promise<true> {
    return this.waitFor(() => this.closed, ms, 'the connection to close');
  }
}

/** One request as a raw upstream received it, with where it came in (connection reuse checks). */
export interface RawUpstreamRequest {
  /** Index of the TCP connection (0-based, accept order). */
  conn: number;
  /** Index of the request on its connection. */
  index: number;
  head: string;
  body: Buffer;
}

/** What a raw upstream saw: connections, their bytes and close times, and the requests. */
export interface RawUpstream {
  port: number;
  connections: number;
  /** Connections that have closed (index -> time). */
  closedAt: Map<number, number>;
  /** Every byte received, per connection. */
  received: Buffer[];
  requests: RawUpstreamRequest[];
}

/**
 * A raw net upstream, for answers (or misbehaviour) no HTTP server library would produce: parses
 * requests (Content-Length bodies only, so it frames exactly as the gateway declared) and hands
 * each to `onRequest` with the socket. Closed by `scope`.
 */
export async function rawUpstream(scope: FixtureScope, onRequest: (socket: net.Socket, req: RawUpstreamRequest) => void): Promise<RawUpstream> {
  const sockets = new Set<net.Socket>();
  const up: RawUpstream = { port: 0, connections: 0, closedAt: new Map(), received: [], requests: [] };
  const server = net.createServer((socket) => {
    const conn = up.connections++;
    up.received[conn] = Buffer.alloc(0);
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      up.closedAt.set(conn, Date.now());
    });
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let index = 0;
    socket.on('data', (chunk: Buffer) => {
      up.received[conn] = Buffer.concat([up.received[conn], chunk]);
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.toString('latin1', 0, end);
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const length = cl === null ? 0 : Number(cl[1]);
        if (buf.length < end + 4 + length) return;
        const req = { conn, index: index++, head, body: buf.subarray(end + 4, end + 4 + length) };
        buf = buf.subarray(end + 4 + length);
        up.requests.push(req);
        onRequest(socket, req);
        if (socket.destroyed) return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.port = (server.address() as AddressInfo).port;
  scope.onCleanup(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return up;
}

/** Request line of a raw upstream request ("POST /a HTTP/1.1"), for asserting what reached the upstream. */
export const requestLine = (r: RawUpstreamRequest): string => r.head.slice(0, r.head.indexOf('\r\n'));

/** Request target of a raw upstream request ("GET /x HTTP/1.1" -> "/x"), for routing on it or asserting it. */
export const targetOf = (r: RawUpstreamRequest): string => requestLine(r).split(' ')[1];
