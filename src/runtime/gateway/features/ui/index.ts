// The developer portal (docs/portal.md): a web page at /_portico/ui/ served by the gateway from
// the files built into its image. Admin-only like the catalog and analytics it shows; the
// public login endpoint turns the link `portico dashboard` prints into the admin cookie.
//   GET  /_portico/ui                redirect to /_portico/ui/
//   GET  /_portico/ui/               the page (index.html); its files by name (assets.ts)
//   GET  /_portico/ui/events         the Overview's live status (server-sent events, events.ts)
//   GET  /_portico/ui/routes.json    the Routes page's table (route-table.ts)
//   GET  /_portico/login             the login page (public; its script reads the link's fragment)
//   POST /_portico/login             Bearer token -> HttpOnly cookie (login.ts)
//   POST /_portico/logout            clears the cookie
// Always on. The event stream carries over across reloads; nothing else holds state.
import { AdminGuard } from '../../admin.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { Feature, FeatureInstance } from '../types.js';
import { isUiAsset, UiAssets } from './assets.js';
import { StatusEvents } from './events.js';
import { handleLogin, handleLogout, LOGIN_PATH, LOGOUT_PATH } from './login.js';
import { routeTable } from './route-table.js';

export const UI_PATH = '/_portico/ui';

export interface UiInstance extends FeatureInstance {
  readonly events: StatusEvents;
  readonly assets: UiAssets;
}

/** Files the login page needs before there is a cookie (nothing in them is the stack's data). */
const PUBLIC_LOGIN_FILES: Record<string, 'login.js' | 'app.css'> = { [`${LOGIN_PATH}/login.js`]: 'login.js', [`${LOGIN_PATH}/app.css`]: 'app.css' };

function notFound(res: HttpResponse, path: string): void {
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: 'not_found', message: `no portal file ${path}` }));
}

function readOnly(req: HttpRequest, res: HttpResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: 'method_not_allowed', message: `${req.method} is not allowed here` }));
  return false;
}

export const ui: Feature<UiInstance> = {
  name: 'ui',
  slice: { gateway: [], route: [] },
  priority: 0,
  configure(config, ctx, previous) {
    const assets = previous?.assets ?? new UiAssets();
    const events = previous?.events ?? new StatusEvents(ctx.status);
    events.setSource(ctx.status);
    // The same token the core's guard checks admin endpoints against (config.admin is the core's key).
    const guard = new AdminGuard(config.admin === undefined ? undefined : ctx.env[config.admin.tokenEnv]);
    const routes = JSON.stringify(routeTable(config));

    const portal = (req: HttpRequest, res: HttpResponse, path: string) => {
      if (path === UI_PATH) {
        res.writeHead(308, { location: `${UI_PATH}/`, 'content-length': '0' });
        return res.end();
      }
      if (path === `${UI_PATH}/events`) return events.subscribe(req, res);
      if (!readOnly(req, res)) return;
      if (path === `${UI_PATH}/routes.json`) {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        return res.end(req.method === 'HEAD' ? undefined : routes);
      }
      const name = path === `${UI_PATH}/` ? 'index.html' : path.slice(UI_PATH.length + 1);
      if (isUiAsset(name) && name !== 'login.html') return assets.serve(req, res, name);
      notFound(res, path);
    };

    const login = (req: HttpRequest, res: HttpResponse, path: string) => {
      if (path === LOGIN_PATH && req.method === 'POST') return handleLogin(req, res, guard);
      if (!readOnly(req, res)) return;
      if (path === LOGIN_PATH) return assets.serve(req, res, 'login.html');
      const file = PUBLIC_LOGIN_FILES[path];
      if (file !== undefined) return assets.serve(req, res, file);
      notFound(res, path);
    };

    return {
      assets,
      events,
      endpoints: [
        { path: UI_PATH, prefix: true, access: 'admin', handle: portal },
        { path: LOGIN_PATH, prefix: true, access: 'public', handle: login },
        { path: LOGOUT_PATH, access: 'public', handle: (req, res) => handleLogout(req, res) },
      ],
      registrySnapshot: () => events.changed(),
      registryService: () => events.changed(),
      breakerChanged: () => events.changed(),
      draining: () => events.close(),
      close(final) {
        if (final) events.close();
      },
    };
  },
};
