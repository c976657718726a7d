// What `portico analytics` and `portico top` share: the query for the gateway's analytics
// endpoint, checked before anything is asked of Docker, and the tables: the groups, then the
// WebSocket tunnels and the AI usage when the window has any.
import { usageError } from '../../core/errors.js';
import { ANALYTICS_GROUP_BY, ANALYTICS_PATH, parseAnalyticsWindow, type AnalyticsDocument, type AnalyticsGroup, type AnalyticsGroupBy } from '../../runtime/contract/analytics-api.js';
import { renderTable } from '../ui/table.js';

/** The endpoint path for this window and grouping (exit 2 on a bad one). */
export function analyticsPath(window: string, by: string): string {
  if (parseAnalyticsWindow(window) === null) throw usageError(`--window ${window} is not a window analytics keeps.`, 'Give a duration from 1m to 24h, such as 5m, 15m, 1h or 24h.');
  if (!(ANALYTICS_GROUP_BY as readonly string[]).includes(by)) throw usageError(`--by ${by} is not a grouping.`, `Use one of: ${ANALYTICS_GROUP_BY.join(', ')}.`);
  return `${ANALYTICS_PATH}?${new URLSearchParams({ window, by })}`;
}

const HEADING: Record<AnalyticsGroupBy, string> = { route: 'ROUTE', consumer: 'CONSUMER', service: 'SERVICE', status: 'STATUS', model: 'MODEL' };

export function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((part / whole) * 100).toFixed(1)}%`;
}

export function millis(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)}ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)}ms`;
}

/** A tunnel's duration: ms under a second, then seconds, minutes, hours. */
function duration(ms: number): string {
  if (ms < 1000) return millis(ms);
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : s < 3600 ? `${(s / 60).toFixed(1)}m` : `${(s / 3600).toFixed(1)}h`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)}${units[u]}`;
}

/** The groups of `doc` as a table, with a TOTAL line. */
export function analyticsTable(doc: AnalyticsDocument, color: boolean): string {
  const rows = [[HEADING[doc.by], 'REQUESTS', 'ERRORS', 'ERR%', '429', 'CACHE HITS', 'P50', 'P95', 'P99', 'MAX', 'IN', 'OUT']];
  const line = (key: string, g: Omit<AnalyticsGroup, 'key' | 'statusClasses'>) => [
    key,
    String(g.requests),
    String(g.errors),
    percent(g.errors, g.requests),
    String(g.rateLimited),
    String(g.cacheHits),
    millis(g.latencyMs.p50),
    millis(g.latencyMs.p95),
    millis(g.latencyMs.p99),
    millis(g.latencyMs.max),
    bytes(g.bytesIn),
    bytes(g.bytesOut),
  ];
  for (const g of doc.groups) rows.push(line(g.key, g));
  if (doc.groups.length > 1) rows.push(line('TOTAL', doc.totals));
  return renderTable(rows, color);
}

/** The groups' WebSocket tunnels (null when the window has none and none is open). */
export function tunnelTable(doc: AnalyticsDocument, color: boolean): string | null {
  const t = doc.totals.tunnels;
  if (t.upgrades === 0 && t.open === 0 && t.closed === 0) return null;
  const rows = [[HEADING[doc.by], 'UPGRADES', 'OPEN', 'CLOSED', 'IN', 'OUT', 'P50', 'P99', 'MAX']];
  const line = (key: string, g: AnalyticsGroup['tunnels']) => [key, String(g.upgrades), String(g.open), String(g.closed), bytes(g.bytesIn), bytes(g.bytesOut), duration(g.durationMs.p50), duration(g.durationMs.p99), duration(g.durationMs.max)];
  const groups = doc.groups.filter((g) => g.tunnels.upgrades > 0 || g.tunnels.open > 0 || g.tunnels.closed > 0);
  for (const g of groups) rows.push(line(g.key, g.tunnels));
  if (groups.length > 1) rows.push(line('TOTAL', t));
  return renderTable(rows, color);
}

/** AI usage per route, consumer and model, then the fallback hops (null without AI calls). */
export function aiTables(doc: AnalyticsDocument, color: boolean): string | null {
  const { usage, fallbacks } = doc.ai;
  if (usage.length === 0 && fallbacks.length === 0) return null;
  const rows = [['ROUTE', 'CONSUMER', 'MODEL', 'CALLS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'FALLBACKS']];
  for (const u of usage) rows.push([u.route, u.consumer, `${u.provider}/${u.model}`, String(u.requests), String(u.inputTokens), String(u.outputTokens), String(u.fallbacks)]);
  let text = renderTable(rows, color);
  if (fallbacks.length > 0) {
    const hops = [['ROUTE', 'FELL BACK FROM', 'TO', 'CALLS']];
    for (const f of fallbacks) hops.push([f.route, f.from, f.to, String(f.count)]);
    text += `\n\n${renderTable(hops, color)}`;
  }
  return text;
}
