// Header handling on the hot path, working on flat [name, value, ...] arrays (no per-request
// header objects). Request side: one pass that drops hop-by-hop headers and headers the
// gateway owns, and remembers the values later stages need. Response side: hop-by-hop
// headers are already gone (http1/head.ts); the cache learns the rest here.
import { readConnection, withoutConnectionListed, type ConnectionOptions } from './http1/head.js';

/** What a request-header pass reads; implemented by the per-request Exchange. */
export interface RequestHeaderSink {
  requestId: string | null;
  traceparent: string | null;
  connection: string | null;
  forwardedFor: string | null;
  forwardedProto: string | null;
  forwardedHost: string | null;
  host: string | null;
  origin: string | null;
  apiKey: string | null;
  authorization: string | null;
  ifNoneMatch: string | null;
}

const DROP = 1; // hop-by-hop or gateway-owned: never forwarded as received
const KEEP = 2; // forwarded, and its value is remembered

/** Lowercase name -> [action, field of the sink to remember it in]. */
const REQUEST_HEADERS = new Map<string, readonly [number, keyof RequestHeaderSink | null]>([
  ['connection', [DROP, 'connection']],
  ['keep-alive', [DROP, null]],
  ['proxy-connection', [DROP, null]],
  ['proxy-authorization', [DROP, null]],
  ['proxy-authenticate', [DROP, null]],
  ['te', [DROP, null]],
  ['trailer', [DROP, null]],
  ['upgrade', [DROP, null]],
  // The gateway answered `100 Continue` to the client itself; the upstream gets the body directly.
  ['expect', [DROP, null]],
  // Framing is written by the gateway for the upstream hop (http1/upstream-connection.ts).
  ['transfer-encoding', [DROP, null]],
  ['content-length', [DROP, null]],
  ['host', [KEEP, 'host']],
  ['origin', [KEEP, 'origin']],
  ['authorization', [KEEP, 'authorization']],
  ['if-none-match', [KEEP, 'ifNoneMatch']],
  ['x-api-key', [KEEP, 'apiKey']],
  // Set by the gateway only: a client must not be able to claim an identity or a hop.
  ['x-portico-consumer', [DROP, null]],
  ['x-portico-claims', [DROP, null]],
  ['x-request-id', [DROP, 'requestId']],
  ['traceparent', [DROP, 'traceparent']],
  ['x-forwarded-for', [DROP, 'forwardedFor']],
  ['x-forwarded-proto', [DROP, 'forwardedProto']],
  ['x-forwarded-host', [DROP, 'forwardedHost']],
]);

/**
 * Copy forwardable request headers into `out` (flat name/value list) and fill `sink`.
 * Returns true when the Connection header names extra headers, which the caller must then
 * drop with `dropConnectionListed` (rare, so kept off the common path).
 */
export function scanRequestHeaders(raw: readonly string[], sink: RequestHeaderSink, out: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const rule = REQUEST_HEADERS.get(name.length < 20 ? name.toLowerCase() : '');
    if (rule === undefined) {
      out.push(name, raw[i + 1]);
      continue;
    }
    const field = rule[1];
    if (field !== null) {
      const prev = sink[field];
      // Repeated headers: keep the first for single-valued ones; list-valued ones are joined.
      sink[field] = prev === null ? raw[i + 1] : field === 'forwardedFor' || field === 'connection' ? `${prev}, ${raw[i + 1]}` : prev;
    }
    if (rule[0] === KEEP) out.push(name, raw[i + 1]);
  }
  const c = sink.connection;
  return c !== null && hasExtraConnectionTokens(c);
}

/** Scratch for readConnection (the hot path allocates nothing; one request is scanned at a time). */
const scratch: ConnectionOptions = { connectionClose: false, connectionKeepAlive: false, listed: null };

function hasExtraConnectionTokens(value: string): boolean {
  scratch.listed = null;
  readConnection(value, scratch);
  return scratch.listed !== null;
}

/** Names a Connection header may never remove: routing and framing are not the client's to hide. */
const NOT_DROPPABLE = ['host', 'content-length', 'transfer-encoding'];

/** Remove from a flat header list every header named in a Connection header value. */
export function dropConnectionListed(headers: readonly string[], connection: string): string[] {
  return withoutConnectionListed(headers, connection, NOT_DROPPABLE);
}

/** A flat header list without every header of that (lowercase) name. */
export function withoutHeader(headers: readonly string[], lowerName: string): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() !== lowerName) kept.push(headers[i], headers[i + 1]);
  return kept;
}

/** Tell a sink (the cache's response facts) about every header of an upstream answer. */
export function reportResponseHeaders(headers: readonly string[], seen: ResponseHeaderSink): void {
  for (let i = 0; i < headers.length; i += 2) seen.responseHeader(headers[i].toLowerCase(), headers[i + 1]);
}

export interface ResponseHeaderSink {
  responseHeader(lowerName: string, value: string): void;
}
