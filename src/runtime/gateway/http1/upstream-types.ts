// The public side of an upstream exchange: the request the gateway hands to a pool, the handler
// that receives the answer, the link that cancels or resumes it, and the error it may end with.
// Its own module so that upstream-pool.ts (the pool) and upstream-connection.ts (one
// connection) share these without importing each other; upstream-pool.ts re-exports them.
import type { Socket } from 'node:net';
import type { RequestBody } from './body.js';
import type { ResponseHead } from './head.js';

/**
 * Methods a request may be sent with twice (RFC 9110 9.2.2): the only ones retried, on a
 * fresh connection (stale keep-alive) or on another instance (the Exchange).
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

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
  /**
   * The request asks to switch protocols (its Connection/Upgrade headers are in `headers`): a
   * `101` answer is handed to the handler's onUpgrade instead of refused.
   */
  upgrade?: boolean;
  /** The client accepts trailers (`TE: trailers`): a chunked answer's trailers reach onComplete. */
  trailers?: boolean;
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
  /** `trailers`: the answer's relayable trailer lines (each ending in CRLF), when the request asked for them. */
  onComplete(trailers?: string): void;
  onError(error: UpstreamError): void;
  /**
   * The upstream answered `101 Switching Protocols` to an upgrade request: the connection left
   * its pool for good and is the caller's (attach a sink to read it). `rest` holds the bytes
   * that followed the 101 head (a view valid during this call only).
   */
  onUpgrade?(head: ResponseHead, upstream: UpstreamTunnelEnd, rest: Buffer): void;
}

/** An upstream connection after a 101: no longer HTTP, read through the sink attached to it. */
export interface UpstreamTunnelEnd {
  readonly socket: Socket;
  attach(sink: TunnelSink): void;
}

/** Who gets what an upstream sends once it switched protocols. */
export interface TunnelSink {
  /** A view of a shared read buffer, valid during this call only. */
  upstreamData(chunk: Buffer): void;
  upstreamDrained(): void;
  upstreamEnded(): void;
  upstreamClosed(hadError: boolean): void;
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
  /** A reused connection's answer began with bytes left over from the previous answer. */
  | 'PORTICO_UPSTREAM_DESYNC'
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
