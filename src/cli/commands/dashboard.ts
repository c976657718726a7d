// `portico dashboard [--no-open] [--json]`: the developer portal of the running stack
// (docs/portal.md). Prints the portal's URL and a login link whose fragment carries the
// workspace's admin token (the user's own local token: printed here, nowhere else; the browser
// never sends a fragment, so it reaches no log), and opens the link when a browser can appear.
// Exit 3 when the stack is not running or its gateway has no portal.
import { environmentError, PorticoError } from '../../core/errors.js';
import { gatewayAdminAccess } from '../../engine/gateway-admin.js';
import type { CommandContext } from '../context.js';
import { openInBrowser } from '../ui/open-browser.js';
import { paint } from '../ui/paint.js';

export const PORTAL_PATH = '/_portico/ui/';
export const LOGIN_PATH = '/_portico/login';

/** The portal's URL and its login link for a gateway URL and token (pure). */
export function dashboardLinks(gatewayUrl: string, token: string): { url: string; login: string } {
  return { url: new URL(PORTAL_PATH, gatewayUrl).href, login: `${new URL(LOGIN_PATH, gatewayUrl).href}#token=${encodeURIComponent(token)}` };
}

export async function run(options: { json?: boolean; open?: boolean }, ctx: CommandContext): Promise<number> {
  const { project, url: gatewayUrl, token } = await gatewayAdminAccess(ctx.cwd);
  const links = dashboardLinks(gatewayUrl, token);
  await checkPortal(links.url, token);
  const opened = options.open !== false && openInBrowser(links.login, ctx.env);
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify({ project, url: links.url, login: links.login, opened })}\n`);
    return 0;
  }
  const p = paint(ctx.color);
  ctx.stdout.write(
    [
      `${p.bold('Developer portal')} of ${project}: ${links.url}`,
      `Log in with this link (it carries the stack's admin token; keep it to yourself):`,
      `  ${links.login}`,
      opened ? p.dim('Opened it in your browser.') : p.dim('Open it in a browser on this machine.'),
      '',
    ].join('\n'),
  );
  return 0;
}

/** The gateway answers the portal with the token (an older gateway image has none: `portico up` rebuilds it). */
async function checkPortal(url: string, token: string): Promise<void> {
  let status: number;
  try {
    status = (await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })).status;
  } catch (error) {
    throw environmentError(`the gateway did not answer ${url}: ${(error as Error).message}`, 'Check it with `portico status` and `portico logs gateway`.');
  }
  if (status === 401) throw new PorticoError("the gateway refused the workspace's admin token.", { hint: '`portico up` restarts it with the workspace token.' });
  if (status === 404) throw environmentError('the running gateway has no developer portal (it was built by an older Portico).', 'Run `portico up`: it rebuilds the gateway image.');
  if (status !== 200) throw new PorticoError(`the gateway answered ${status} to ${url}.`, { hint: 'See `portico logs gateway`.' });
}
