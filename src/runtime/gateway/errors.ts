// One catalogue of the errors the gateway itself answers with. Every body is JSON
// `{ error, message, route? }`: clients and tests match on `error`, humans read `message`.
// Never a stack trace.
import type { HttpResponse } from './http1/response.js';

export const GatewayErrors = {
  badRequest: { status: 400, error: 'bad_request' },
  unauthorized: { status: 401, error: 'unauthorized' },
  forbidden: { status: 403, error: 'forbidden' },
  notFound: { status: 404, error: 'no_route' },
  requestTimeout: { status: 408, error: 'request_timeout' },
  payloadTooLarge: { status: 413, error: 'payload_too_large' },
  expectationFailed: { status: 417, error: 'expectation_failed' },
  uriTooLong: { status: 414, error: 'uri_too_long' },
  tooManyRequests: { status: 429, error: 'rate_limited' },
  headersTooLarge: { status: 431, error: 'request_headers_too_large' },
  internal: { status: 500, error: 'internal_error' },
  notImplemented: { status: 501, error: 'not_implemented' },
  badGateway: { status: 502, error: 'bad_gateway' },
  unavailable: { status: 503, error: 'service_unavailable' },
  gatewayTimeout: { status: 504, error: 'gateway_timeout' },
  versionNotSupported: { status: 505, error: 'http_version_not_supported' },
} as const;

export type GatewayErrorKind = (typeof GatewayErrors)[keyof typeof GatewayErrors];

/** Body of an error answer as bytes (also used on raw sockets, where there is no ServerResponse). */
export function errorBody(kind: GatewayErrorKind, message: string, routeId?: string): string {
  return JSON.stringify(routeId === undefined ? { error: kind.error, message } : { error: kind.error, message, route: routeId });
}

/**
 * Answer with a gateway error. Headers already set on `res` (request id, CORS, RateLimit-*)
 * are kept. If the response already started (an upstream failed mid-body) the only honest
 * signal left is to cut the connection.
 */
export function sendError(
  res: HttpResponse,
  kind: GatewayErrorKind,
  message: string,
  routeId?: string,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(kind, message, routeId);
  res.statusCode = kind.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  if (extraHeaders !== undefined) for (const name in extraHeaders) res.setHeader(name, extraHeaders[name]);
  res.end(body);
}

/** A complete HTTP/1.1 error response for a request refused before routing (then the socket closes). */
export function rawErrorResponse(kind: GatewayErrorKind, message: string, reason: string): string {
  const body = errorBody(kind, message);
  return (
    `HTTP/1.1 ${kind.status} ${reason}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}
