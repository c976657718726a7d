// `portico top [--once]`: a live view of the gateway's traffic per route, redrawn every second
// like `docker stats`: req/s (the last 10 to 20 s), p50/p99 and error % over the last minute,
// from GET /_portico/analytics. Exits on `q` or Ctrl-C (0). When stdout is not a terminal, or
// with --once, it prints one snapshot and exits. Exit 3 when the stack is not running.
import type { ReadStream } from 'node:tty';
import type { AnalyticsDocument } from '../../runtime/contract/analytics-api.js';
import { getGatewayAdmin } from '../../engine/gateway-admin.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { renderTable } from '../ui/table.js';
import { analyticsPath, millis, percent } from './analytics-view.js';

const REFRESH_MS = 1000;
const CLEAR = '\x1b[H\x1b[2J';

export function topTable(doc: AnalyticsDocument, color: boolean): string {
  const rows = [['ROUTE', 'REQ/S', 'P50', 'P99', 'ERR%', 'REQUESTS (1m)', '429']];
  for (const g of doc.groups) rows.push([g.key, g.ratePerSecond.toFixed(1), millis(g.latencyMs.p50), millis(g.latencyMs.p99), percent(g.errors, g.requests), String(g.requests), String(g.rateLimited)]);
  const t = doc.totals;
  rows.push(['TOTAL', t.ratePerSecond.toFixed(1), millis(t.latencyMs.p50), millis(t.latencyMs.p99), percent(t.errors, t.requests), String(t.requests), String(t.rateLimited)]);
  return renderTable(rows, color);
}

export async function run(options: { once?: boolean }, ctx: CommandContext): Promise<number> {
  const path = analyticsPath('1m', 'route');
  const snapshot = async () => topTable((await getGatewayAdmin(ctx.cwd, path)) as AnalyticsDocument, ctx.color);
  const live = !options.once && (ctx.stdout as { isTTY?: boolean }).isTTY === true;
  if (!live) {
    ctx.stdout.write(`${await snapshot()}\n`);
    return 0;
  }
  const p = paint(ctx.color);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const stdin = ctx.stdin as ReadStream;
  const keys = (data: Buffer) => {
    const key = data.toString('utf8');
    if (key === 'q' || key === 'Q' || key === '\u0003') stop.abort();
  };
  if (ctx.stdinIsTTY && typeof stdin.setRawMode === 'function') {
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', keys);
  }
  try {
    while (!stop.signal.aborted) {
      const table = await snapshot();
      ctx.stdout.write(`${CLEAR}${p.dim(`portico top  ${new Date().toISOString()}  (q to quit)`)}\n\n${table}\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REFRESH_MS);
        stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    return 0;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (ctx.stdinIsTTY && typeof stdin.setRawMode === 'function') {
      stdin.off('data', keys);
      stdin.setRawMode(false);
      stdin.pause();
    }
  }
}
