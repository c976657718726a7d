// The two sides of the differential test of the gateway's HTTP/1.1 layer against llhttp
// (gateway-http1-differential.test.ts): a strict node:http server (llhttp) that records the
// requests it accepted, a raw echo upstream that records exactly what the gateway forwarded
// (decoded by a small parser of its own, independent of the code under test), a raw client that
// sends one case and decides when it is over, and the comparison of what each side accepted.
// Everything on 127.0.0.1.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { normalizePath, splitUrl } from '../../src/runtime/gateway/paths.js';

/** One request as a server received it: the facts two parsers must agree on. */
export interface SeenRequest {
  method: string;
  target: string;
  /** [lowercase name, value] in arrival order. */
  headers: [string, string][];
  body: string; // latin1
}

/** What one side did with one case: the complete requests it accepted, in order. */
export interface SideResult {
  requests: SeenRequest[];
  /** Why the side refused (llhttp error code, or the gateway's status), or null. */
  refusal: string | null;
}

export interface Closable {
  port: number;
  close(): Promise<void>;
}

/** A server that tracks its sockets, so close() never waits on an idle keep-alive connection. */
async function listen(server: net.Server): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const pairs = (raw: readonly string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
};

// ---------------------------------------------------------------- reference: llhttp, strict

/** node:http in strict mode; results keyed by the client's local port. */
export interface ReferenceServer extends Closable {
  results: Map<number, SideResult>;
}

export async function referenceServer(): Promise<ReferenceServer> {
  const results = new Map<number, SideResult>();
  const resultFor = (socket: net.Socket): SideResult => {
    const port = socket.remotePort ?? 0;
    let r = results.get(port);
    if (r === undefined) results.set(port, (r = { requests: [], refusal: null }));
    return r;
  };
  const server = http.createServer({ insecureHTTPParser: false, requireHostHeader: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Complete: head and whole body arrived and parsed.
      resultFor(req.socket).requests.push({ method: req.method!, target: req.url!, headers: pairs(req.rawHeaders), body: Buffer.concat(chunks).toString('latin1') });
      res.setHeader('content-length', 2);
      res.end('ok');
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    resultFor(socket).refusal = err.code ?? 'error';
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const base = await listen(server);
  return { ...base, results };
}

// ---------------------------------------------------------------- the gateway's side: a raw echo upstream

/**
 * Complete requests at the start of `buf` (as the gateway framed them: Content-Length or
 * chunked) and where the unparsed rest begins. Throws on bytes that are not a request: the
 * gateway must only ever forward well-formed ones.
 */
export function parseForwarded(buf: Buffer): { requests: SeenRequest[]; used: number } {
  const requests: SeenRequest[] = [];
  let off = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off, 'latin1');
    if (end === -1) break;
    const lines = buf.toString('latin1', off, end).split('\r\n');
    const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.1$/.exec(lines[0]);
    if (m === null) throw new Error(`gateway forwarded a malformed request line ${JSON.stringify(lines[0].slice(0, 120))}`);
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const hm = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (hm === null || /[\0-\x08\x0a-\x1f\x7f]/.test(hm[2])) throw new Error(`gateway forwarded a malformed header line ${JSON.stringify(line.slice(0, 120))}`);
      headers.push([hm[1].toLowerCase(), hm[2]]);
    }
    const framing = headers.filter(([n]) => n === 'content-length' || n === 'transfer-encoding');
    if (framing.length > 1) throw new Error(`gateway forwarded ambiguous framing ${JSON.stringify(framing)}`);
    let p = end + 4;
    let body: Buffer;
    if (framing.length === 0) body = Buffer.alloc(0);
    else if (framing[0][0] === 'content-length') {
      if (!/^\d+$/.test(framing[0][1])) throw new Error(`gateway forwarded Content-Length ${JSON.stringify(framing[0][1])}`);
      const n = Number(framing[0][1]);
      if (p + n > buf.length) break;
      body = buf.subarray(p, p + n);
      p += n;
    } else {
      if (framing[0][1] !== 'chunked') throw new Error(`gateway forwarded Transfer-Encoding ${JSON.stringify(framing[0][1])}`);
      const decoded = decodeChunked(buf, p);
      if (decoded === null) break;
      body = decoded.body;
      p = decoded.next;
    }
    requests.push({ method: m[1], target: m[2], headers, body: body.toString('latin1') });
    off = p;
  }
  return { requests, used: off };
}

/** The gateway writes chunked bodies itself: plain hex sizes, no extensions, no trailers. */
function decodeChunked(buf: Buffer, p: number): { body: Buffer; next: number } | null {
  const parts: Buffer[] = [];
  for (;;) {
    const le = buf.indexOf('\r\n', p, 'latin1');
    if (le === -1) return null;
    const line = buf.toString('latin1', p, le);
    if (!/^[0-9a-f]+$/i.test(line)) throw new Error(`gateway forwarded chunk size line ${JSON.stringify(line.slice(0, 40))}`);
    const size = parseInt(line, 16);
    p = le + 2;
    if (size === 0) {
      if (buf.length < p + 2) return null;
      if (buf[p] !== 13 || buf[p + 1] !== 10) throw new Error('gateway forwarded a trailer section');
      return { body: Buffer.concat(parts), next: p + 2 };
    }
    if (buf.length < p + size + 2) return null;
    if (buf[p + size] !== 13 || buf[p + size + 1] !== 10) throw new Error('gateway forwarded chunk data not followed by CRLF');
    parts.push(buf.subarray(p, p + size));
    p += size + 2;
  }
}

/** An upstream that answers `200 ok` to every complete request and records it. */
export interface EchoUpstream extends Closable {
  /** Complete requests since the last take(). */
  take(): SeenRequest[];
  /** Bytes the gateway forwarded that were not a request (each a message); should stay empty. */
  errors: string[];
}

export async function echoUpstream(): Promise<EchoUpstream> {
  let seen: SeenRequest[] = [];
  const errors: string[] = [];
  const server = net.createServer((socket) => {
    let buf: Buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        const { requests, used } = parseForwarded(buf);
        buf = buf.subarray(used);
        for (const r of requests) {
          seen.push(r);
          socket.write(r.method === 'HEAD' ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        }
      } catch (error) {
        errors.push((error as Error).message);
        socket.destroy();
      }
    });
  });
  const base = await listen(server);
  return {
    ...base,
    errors,
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

// ---------------------------------------------------------------- sending one case

/** How a case ended on the wire: the statuses of the final answers, and whether the server closed. */
export interface WireOutcome {
  statuses: number[];
  closed: boolean;
}

/** Final answers' status lines (bodies here are `ok` or JSON, so a status line may follow one directly). */
const STATUS_LINE = /HTTP\/1\.[01] ([2-5]\d\d) /g;

/**
 * Send `raw` on a fresh connection and wait until the exchange is over: the server closed, or
 * `messages` final answers arrived and nothing more came for `graceMs` (a parser that saw a
 * smuggled extra request answers it too), or nothing came for `quietMs` (a side waiting for
 * bytes that will never come). `onConnect` gets the local port before anything is written.
 */
export function sendCase(port: number, raw: Buffer, messages: number, onConnect: (localPort: number) => void, opts = { graceMs: 40, quietMs: 300, maxMs: 3_000 }): Promise<WireOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    let finished = false;
    const statuses = (): number[] => [...Buffer.concat(chunks).toString('latin1').matchAll(STATUS_LINE)].map((m) => Number(m[1]));
    const finish = (closed: boolean): void => {
      if (finished) return;
      finished = true;
      if (timer !== null) clearTimeout(timer);
      clearTimeout(cap);
      socket.destroy();
      resolve({ statuses: statuses(), closed });
    };
    const arm = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => finish(false), statuses().length >= messages ? opts.graceMs : opts.quietMs);
    };
    const cap = setTimeout(() => finish(false), opts.maxMs);
    socket.setNoDelay(true);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      arm();
    });
    socket.on('connect', () => {
      onConnect(socket.localPort!);
      socket.write(raw);
      arm();
    });
  });
}

// ---------------------------------------------------------------- comparison

/**
 * Headers the gateway adds, removes or rewrites by design, left out of the comparison: its
 * own (x-forwarded-*, x-request-id, traceparent, x-portico-*), hop-by-hop ones, and framing
 * (compared as the decoded body instead).
 */
const NOT_COMPARED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'upgrade', 'expect',
  'transfer-encoding', 'content-length', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'traceparent',
  'x-portico-consumer', 'x-portico-claims', 'via', 'forwarded',
]);

/** A request reduced to what the gateway must relay unchanged. */
export function comparable(r: SeenRequest): SeenRequest {
  const listed = new Set(
    r.headers
      .filter(([n]) => n === 'connection')
      .flatMap(([, v]) => v.split(','))
      .map((t) => t.trim().toLowerCase()),
  );
  // Host is kept whatever Connection lists (it routes); for HTTP/1.0 without one the gateway
  // adds the upstream's, so a Host is compared only when the client sent one.
  listed.delete('host');
  // The upstream receives the path the gateway routed on: dot segments resolved (paths.ts).
  const [path, query] = splitUrl(r.target);
  const target = (normalizePath(path) ?? path) + query;
  return { method: r.method, target, headers: r.headers.filter(([n]) => !NOT_COMPARED.has(n) && !listed.has(n)), body: r.body };
}

function withoutAddedHost(gateway: SeenRequest, reference: SeenRequest | undefined): SeenRequest {
  if (reference === undefined || reference.headers.some(([n]) => n === 'host')) return gateway;
  return { ...gateway, headers: gateway.headers.filter(([n]) => n !== 'host') };
}

export type Verdict = 'both-reject' | 'identical' | 'stricter' | 'looser';

/**
 * identical: the same requests, in order; both-reject: neither accepted any; stricter: the
 * gateway forwarded only some of what llhttp accepted, in order (it refused a request llhttp
 * took, and possibly everything after it); looser: anything else (it forwarded a request llhttp refused, or
 * one with different method, target, headers or body).
 */
export function verdict(reference: SeenRequest[], gateway: SeenRequest[]): Verdict {
  const ref = reference.map(comparable);
  const gw = gateway.map(comparable);
  const same = (g: SeenRequest, r: SeenRequest): boolean => JSON.stringify(withoutAddedHost(g, r)) === JSON.stringify(r);
  // The gateway may refuse a request llhttp took (an error answer of its own) and go on with
  // the next one on the connection: what it forwarded must then be a subsequence, in order.
  let j = 0;
  for (const r of gw) {
    while (j < ref.length && !same(r, ref[j])) j++;
    if (j === ref.length) return 'looser';
    j++;
  }
  if (ref.length === 0) return 'both-reject';
  return gw.length === ref.length ? 'identical' : 'stricter';
}
