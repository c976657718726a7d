// Request ids and W3C trace context. Random bytes come from one pre-filled buffer (refilled
// when used up) so a request costs a slice + hex encode, not a syscall.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.allocUnsafe(8192);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The client's x-request-id when it is sane (bounded, printable, no spaces), else a new one. */
export function requestIdFor(incoming: string | null): string {
  if (incoming !== null && REQUEST_ID.test(incoming)) return incoming;
  return randomHex(16);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/**
 * The traceparent to send upstream: same trace as the client's when it sent a valid one
 * (keeping its flags), with the gateway's own span as parent; else a new sampled trace.
 */
export function traceparentFor(incoming: string | null): string {
  if (incoming !== null) {
    const m = TRACEPARENT.exec(incoming);
    if (m !== null && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN) return `00-${m[1]}-${randomHex(8)}-${m[3]}`;
  }
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
