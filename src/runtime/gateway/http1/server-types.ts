// What the HTTP/1.1 server hands to its application and is configured with: the parsed request,
// the limits and the handler types. Its own module so that server.ts (Http1Server) and
// client-connection.ts (ClientConnection, which builds the requests) share these without
// importing each other; server.ts re-exports them.
import type { Socket } from 'node:net';
import type { RequestBody } from './body.js';
import type { HeadError } from './head.js';
import type { HttpResponse } from './response.js';

export interface ServerLimits {
  /** Request line + headers, in bytes, before 431 (or 414 when the request line alone is over). */
  maxHeaderBytes: number;
  maxUrlLength: number;
  /** All request headers must arrive within this. */
  headersMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveMs: number;
}

/**
 * The parsed request handed to the application. `S` is what the application keeps per client
 * connection (made by the server's `openSession` once per connection, never read here): the
 * transport carries it from request to request without knowing what is in it.
 */
export class HttpRequest<S = unknown> {
  private headerObject: Record<string, string | undefined> | null = null;

  constructor(
    readonly method: string,
    readonly url: string,
    /** Flat [name, value, ...] as received. */
    readonly rawHeaders: string[],
    /** Declared Content-Length (normalized), or -1. */
    readonly contentLength: number,
    /** null when the request has no body. */
    readonly body: RequestBody | null,
    /** The TCP peer's address (read once per connection). */
    readonly remoteAddress: string,
    readonly session: S,
    /** The Upgrade header's value when the request asks to switch protocols, else null (head.ts). */
    readonly upgrade: string | null,
    /** The client accepts trailers on a chunked answer (`TE: trailers`). */
    readonly teTrailers: boolean,
  ) {}

  /** Lowercase name -> value (repeats joined with ", "); built on first use only. */
  get headers(): Readonly<Record<string, string | undefined>> {
    if (this.headerObject !== null) return this.headerObject;
    const out: Record<string, string | undefined> = Object.create(null);
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      const prev = out[name];
      out[name] = prev === undefined ? raw[i + 1] : `${prev}${name === 'cookie' ? '; ' : ', '}${raw[i + 1]}`;
    }
    this.headerObject = out;
    return out;
  }
}

export type RequestHandler<S = unknown> = (req: HttpRequest<S>, res: HttpResponse) => void;
/** Makes the application's per-connection value for a new client connection. */
export type SessionFactory<S = unknown> = (remoteAddress: string) => S;
/** A request the server refused before the handler saw it (answered, then closed). */
export type RejectHandler = (error: HeadError, socket: Socket) => void;
