// When a failed upstream attempt may be tried again on another instance, and how a final
// failure is reported. Retried only when the request certainly did not reach the application
// (connection errors), the method is idempotent, there is no body to replay, and nothing was
// sent to the client yet.
import { IDEMPOTENT_METHODS } from './http1/upstream-pool.js';

/** Errors where the request certainly did not reach the application: safe to retry. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'PORTICO_CONNECT_TIMEOUT', 'PORTICO_UPSTREAM_CLOSED', 'PORTICO_POOL_CLOSED']);
const TIMEOUT_ERRORS = new Set(['PORTICO_CONNECT_TIMEOUT', 'PORTICO_HEADERS_TIMEOUT', 'PORTICO_BODY_TIMEOUT']);

export interface AttemptFacts {
  /** Error code of the failed attempt ('' when unknown). */
  code: string;
  method: string;
  hasBody: boolean;
  headersSent: boolean;
  /** Attempts made so far (the first one included). */
  attempts: number;
  /** The route's `retries`. */
  retries: number;
}

export function mayRetry(f: AttemptFacts): boolean {
  return !f.headersSent && CONNECT_ERRORS.has(f.code) && !f.hasBody && IDEMPOTENT_METHODS.has(f.method) && f.attempts <= f.retries;
}

/** A final upstream failure is a timeout (504) or an unreachable service (502). */
export function isTimeout(code: string): boolean {
  return TIMEOUT_ERRORS.has(code);
}

/**
 * A TLS handshake or certificate verification failure (OpenSSL's verify codes, Node's ERR_TLS_* and
 * ERR_SSL_*): reported by code in the 502, since it is a configuration matter the user must see.
 */
export function isTlsError(code: string): boolean {
  return code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT') || code.startsWith('UNABLE_TO_') || code === 'EPROTO';
}
