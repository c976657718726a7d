// The MCP `call` tool: one HTTP request to the stack's gateway, as any client would send it
// (the gateway applies routing, auth, rate limits...). The answer's body is capped so one
// large response cannot flood the agent's context; `truncated` says when it was cut.
import { usageError } from '../../core/errors.js';

export const CALL_BODY_CAP_BYTES = 64 * 1024;
const CALL_TIMEOUT_MS = 30_000;

export interface CallRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with content-type: application/json unless given). */
  body?: unknown;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes of body returned (at most the cap). */
  bytes: number;
  truncated: boolean;
}

export async function callGateway(gatewayUrl: string, request: CallRequest, cap = CALL_BODY_CAP_BYTES): Promise<CallResult> {
  if (!request.path.startsWith('/')) throw usageError(`path must start with "/", got "${request.path}".`, 'Pass the path the gateway serves, e.g. /api/orders/health.');
  const headers = new Headers(request.headers ?? {});
  let body: string | undefined;
  if (request.body !== undefined && request.body !== null) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    if (typeof request.body !== 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const response = await fetch(new URL(request.path, gatewayUrl), {
    method: request.method.toUpperCase(),
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const { text, bytes, truncated } = await readCapped(response, cap);
  return { status: response.status, headers: Object.fromEntries(response.headers), body: text, bytes, truncated };
}

/** Reads at most `cap` bytes of the body, then cancels the rest. */
async function readCapped(response: Response, cap: number): Promise<{ text: string; bytes: number; truncated: boolean }> {
  if (!response.body) return { text: '', bytes: 0, truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = cap - bytes;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      bytes = cap;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    bytes += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes, truncated };
}
