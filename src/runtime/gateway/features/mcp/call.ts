// A tool call as one HTTP request to the gateway's own listener on loopback, so it passes
// the route's whole pipeline (auth, rate limit, cache, breaker, metrics, access log) like any
// client's: never a side door to the upstream. One request, never retried here (node:http
// with no agent retries nothing); the gateway's own retry policy only retries idempotent
// requests. The answer becomes an MCP result: 2xx as content (structured when the tool has
// an output schema), anything else as an isError result naming the status and the message.
import { request } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolSpec } from './tools.js';

/** What the MCP caller presented, passed on to the route (the admin token never is). */
export interface CallerCredentials {
  apiKey: string | null;
  authorization: string | null;
}

const ANSWER_CAP_BYTES = 256 * 1024;
/** Beyond the route's own header + body timeouts, so the gateway's 504 arrives before ours. */
const TIMEOUT_MARGIN_MS = 5_000;

export function requestFor(tool: ToolSpec, args: Record<string, unknown>): { path: string; headers: Record<string, string>; body: string | null } {
  let path = tool.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of tool.parameters) {
    const value = args[p.name];
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (p.in === 'path') path = path.replaceAll(`{${p.name}}`, encodeURIComponent(text));
    else if (p.in === 'query') for (const v of Array.isArray(value) ? value : [value]) query.append(p.name, typeof v === 'string' ? v : JSON.stringify(v));
    else headers[p.name.toLowerCase()] = text;
  }
  const qs = query.toString();
  const body = tool.hasBody && args.body !== undefined ? JSON.stringify(args.body) : null;
  return { path: qs === '' ? path : `${path}?${qs}`, headers, body };
}

export function callTool(tool: ToolSpec, args: Record<string, unknown>, credentials: CallerCredentials, listenPort: number): Promise<CallToolResult> {
  const built = requestFor(tool, args);
  const headers: Record<string, string> = { ...built.headers, accept: 'application/json', host: tool.route.host ?? `127.0.0.1:${listenPort}` };
  if (credentials.apiKey !== null) headers['x-api-key'] = credentials.apiKey;
  if (credentials.authorization !== null) headers.authorization = credentials.authorization;
  if (built.body !== null) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(built.body));
  }
  const timeoutMs = tool.route.timeouts.headerMs + tool.route.timeouts.bodyMs + TIMEOUT_MARGIN_MS;
  const what = `${tool.method} ${built.path}`;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: listenPort, method: tool.method, path: built.path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (size + chunk.length > ANSWER_CAP_BYTES) {
          truncated = true;
          chunks.push(chunk.subarray(0, ANSWER_CAP_BYTES - size));
          size = ANSWER_CAP_BYTES;
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      const finish = () => resolve(toResult(tool, what, res.statusCode ?? 502, String(res.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8'), truncated));
      res.on('end', finish);
      res.on('close', () => truncated && finish());
      res.on('error', () => truncated || resolve(failure(`${what}: the gateway's answer broke off`)));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(failure(`${what} timed out after ${Math.round(timeoutMs / 1000)} s (it was sent once and not retried; it may have reached the service)`));
    });
    req.on('error', (error) => resolve(failure(`${what} failed: ${error.message}`)));
    req.end(built.body ?? undefined);
  });
}

function toResult(tool: ToolSpec, what: string, status: number, contentType: string, text: string, truncated: boolean): CallToolResult {
  const parsed = /json/i.test(contentType) ? parseJson(text) : undefined;
  if (status >= 400) {
    const message = isRecord(parsed) && typeof parsed.message === 'string' ? parsed.message : text.slice(0, 500) || '(no body)';
    const hint =
      status === 401 || status === 403
        ? ` This tool's route (${tool.route.path}) needs a credential the gateway accepts: send x-api-key: <key> or Authorization: Bearer <jwt> on your MCP requests to /_portico/mcp.`
        : status === 429
          ? ' Rate limited: wait before calling again (see RateLimit-* headers).'
          : '';
    return failure(`HTTP ${status} from ${what}: ${message}.${hint}`);
  }
  const result: CallToolResult = { content: [{ type: 'text', text: truncated ? `${text}\n[truncated at ${ANSWER_CAP_BYTES} bytes]` : text }] };
  if (tool.outputSchema !== undefined) {
    if (!isRecord(parsed) || truncated) return failure(`${what} answered ${status} but not with the JSON object its OpenAPI document describes${truncated ? ` (the answer is over ${ANSWER_CAP_BYTES} bytes)` : ''}.`);
    result.structuredContent = parsed;
  }
  return result;
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
