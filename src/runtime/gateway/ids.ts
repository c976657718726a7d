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

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';

/** The two ids of a request, as received (null when absent) and then as forwarded. */
export interface RequestIds {
  requestId: string | null;
  traceparent: string | null;
}

/**
 * Replace the received ids with the ones to forward and return: the client's x-request-id
 * when it is sane (bounded, printable, no spaces); its traceparent continued (same trace and
 * flags, the gateway's own span as parent) when valid, else a new sampled trace. When the
 * gateway starts the trace itself, the new trace id doubles as the request id if the client
 * sent none: unique per request, and one random draw instead of two on the common path.
 */
export function assignIds(ids: RequestIds): void {
  const incomingId = ids.requestId;
  const keepId = incomingId !== null && REQUEST_ID.test(incomingId);
  const incomingTrace = ids.traceparent;
  if (incomingTrace !== null) {
    const m = TRACEPARENT.exec(incomingTrace);
    if (m !== null && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN) {
      ids.traceparent = `00-${m[1]}-${randomHex(8)}-${m[3]}`;
      if (!keepId) ids.requestId = randomHex(16);
      return;
    }
  }
  // One hex conversion for trace id and span id together (the common path, per request).
  const hex = randomHex(24);
  const traceId = hex.slice(0, 32);
  ids.traceparent = `00-${traceId}-${hex.slice(32)}-01`;
  if (!keepId) ids.requestId = traceId;
}
