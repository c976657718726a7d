// `portico analytics [--window 15m] [--by route|consumer|service|status|model] [--json]`: the
// running gateway's API analytics (GET /_portico/analytics with the workspace's admin token) as
// tables (groups; WebSocket tunnels and AI usage when there are any); --json prints the gateway's document unchanged. Exit 2 on a bad window or grouping,
// 3 when the stack (or its gateway) is not running.
import { DEFAULT_ANALYTICS_WINDOW, type AnalyticsDocument } from '../../runtime/contract/analytics-api.js';
import { getGatewayAdmin } from '../../engine/gateway-admin.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { aiTables, analyticsPath, analyticsTable, tunnelTable } from './analytics-view.js';

export async function run(options: { window?: string; by?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  const path = analyticsPath(options.window ?? DEFAULT_ANALYTICS_WINDOW, options.by ?? 'route');
  const doc = (await getGatewayAdmin(ctx.cwd, path)) as AnalyticsDocument;
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const p = paint(ctx.color);
  ctx.stdout.write(`${p.dim(`last ${doc.window} (${doc.from} to ${doc.to}), ${doc.bucketSeconds} s buckets`)}\n`);
  if (doc.groups.length === 0) {
    ctx.stdout.write('no requests through the gateway in this window\n');
    return 0;
  }
  ctx.stdout.write(`${analyticsTable(doc, ctx.color)}\n`);
  const tunnels = tunnelTable(doc, ctx.color);
  if (tunnels !== null) ctx.stdout.write(`\n${p.dim('WebSocket tunnels (duration percentiles of the closed ones)')}\n${tunnels}\n`);
  const ai = aiTables(doc, ctx.color);
  if (ai !== null) ctx.stdout.write(`\n${p.dim('AI usage')}\n${ai}\n`);
  return 0;
}
