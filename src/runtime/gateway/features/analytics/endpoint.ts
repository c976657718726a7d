// GET /_portico/analytics (admin: the gateway checked the admin token before this runs).
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import { parseAnalyticsQuery, queryAnalytics } from './query.js';
import { monotonicNow, type AnalyticsStore } from './store.js';

export function handleAnalyticsRequest(req: HttpRequest, res: HttpResponse, store: AnalyticsStore): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, { error: 'method_not_allowed', message: '/_portico/analytics answers GET only' }, { allow: 'GET, HEAD' });
  const q = req.url.indexOf('?');
  const parsed = parseAnalyticsQuery(new URLSearchParams(q === -1 ? '' : req.url.slice(q + 1)));
  if ('error' in parsed) return send(req, res, 400, { error: 'bad_request', message: parsed.error });
  send(req, res, 200, queryAnalytics(store, parsed.query, monotonicNow()));
}

function send(req: HttpRequest, res: HttpResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
}
