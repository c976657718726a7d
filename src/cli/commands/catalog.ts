// `portico catalog [--json]`: the API catalog of the running stack, from the gateway's
// GET /_portico/catalog (admin token from the workspace). --json prints that document as is.
import type { CatalogEntry, CatalogListing } from '../../runtime/contract/catalog-api.js';
import { CATALOG_PATH } from '../../runtime/contract/catalog-api.js';
import { getGatewayAdmin } from '../../engine/gateway-admin.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { renderTable } from '../ui/table.js';

export async function run(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const listing = (await getGatewayAdmin(ctx.cwd, CATALOG_PATH)) as CatalogListing;
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
    return 0;
  }
  const p = paint(ctx.color);
  if (listing.services.length === 0) {
    ctx.stdout.write(`${listing.project}: no services in the catalog\n`);
    return 0;
  }
  const rows = [['SERVICE', 'OPERATIONS', 'AUTH', 'HEALTH', 'DOCUMENT', 'VERSION', 'OWNER']];
  for (const s of listing.services) {
    rows.push([s.service, String(s.openapi.operations), authOf(s), `${s.health.status} ${s.health.passing}/${s.health.total}`, s.openapi.state, s.version ?? '-', s.owner ?? '-']);
  }
  const colorRow = (line: string) => line.replace(/\b(invalid|unavailable|critical)\b/g, (m) => p.red(m)).replace(/\b(degraded|pending)\b/g, (m) => p.yellow(m)).replace(/\b(passing|ok)\b/g, (m) => p.green(m));
  ctx.stdout.write(`${renderTable(rows, ctx.color, colorRow)}\n`);
  // Why a document is missing: the first lines of the parser's (or the fetch's) message.
  for (const s of listing.services) {
    if (s.openapi.error !== null) ctx.stdout.write(`\n${p.bold(s.service)} ${s.openapi.state}: ${s.openapi.error.split('\n').slice(0, 6).join('\n  ')}\n`);
    for (const conflict of s.openapi.conflicts) ctx.stdout.write(`${p.yellow('note')} ${s.service}: ${conflict}\n`);
  }
  ctx.stdout.write(`\n${p.dim('The merged document: `portico openapi -o openapi.json`; full messages: `portico catalog --json`.')}\n`);
  return 0;
}

/** The auth modes of the service's routes ("-" when it has none: not public). */
function authOf(s: CatalogEntry): string {
  const modes = [...new Set(s.routes.map((r) => r.auth))];
  return modes.length === 0 ? '-' : modes.join(',');
}
