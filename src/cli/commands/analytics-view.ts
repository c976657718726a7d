// What `portico analytics` and `portico top` share: the query for the gateway's analytics
// endpoint, checked before anything is asked of Docker, and the table of groups.
import { usageError } from '../../core/errors.js';
import { ANALYTICS_GROUP_BY, ANALYTICS_PATH, parseAnalyticsWindow, type AnalyticsDocument, type AnalyticsGroup, type AnalyticsGroupBy } from '../../runtime/contract/analytics-api.js';
import { renderTable } from '../ui/table.js';

/** The endpoint path for this window and grouping (exit 2 on a bad one). */
export function analyticsPath(window: string, by: string): string {
  if (parseAnalyticsWindow(window) === null) throw usageError(`--window ${window} is not a window analytics keeps.`, 'Give a duration from 1m to 24h, such as 5m, 15m, 1h or 24h.');
  if (!(ANALYTICS_GROUP_BY as readonly string[]).includes(by)) throw usageError(`--by ${by} is not a grouping.`, `Use one of: ${ANALYTICS_GROUP_BY.join(', ')}.`);
  return `${ANALYTICS_PATH}?${new URLSearchParams({ window, by })}`;
}

const HEADING: Record<AnalyticsGroupBy, string> = { route: 'ROUTE', consumer: 'CONSUMER', service: 'SERVICE', status: 'STATUS' };

export function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((part / whole) * 100).toFixed(1)}%`;
}

export function millis(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)}ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)}ms`;
}

function bytes(n: number): string {
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
