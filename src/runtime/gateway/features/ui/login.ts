// The browser login (docs/portal.md). `portico dashboard` prints
// http://127.0.0.1:<port>/_portico/login#token=<admin token>: the token is in the fragment, which
// the browser never sends, so it reaches neither access logs nor a Referer. The page's script
// posts it as `Authorization: Bearer` to POST /_portico/login, which checks it with the admin
// guard and sets it as the HttpOnly, SameSite=Strict cookie the guard accepts on every admin
// endpoint. The cookie holds the token itself, not a session id: the gateway keeps no session
// state, so a reload or a restarted gateway (every `portico up` that changes the config) keeps
// the user logged in; a new token (remove .portico/state/admin-token, then `portico up`) logs
// every browser out. A session id would add state to keep and lose on each restart for no gain
// here: the cookie is HttpOnly (page scripts cannot read it) and scoped to /_portico.
// CSRF: the cookie is SameSite=Strict (never sent from another site), login needs a custom
// header (a cross-origin page cannot send it without a preflight, which /_portico/* never
// grants), and logout only clears the cookie.
import { ADMIN_COOKIE, bearerToken, type AdminGuard } from '../../admin.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';

export const LOGIN_PATH = '/_portico/login';
export const LOGOUT_PATH = '/_portico/logout';
/** The cookie's scope: every admin endpoint lives under it. */
const COOKIE_SCOPE = 'Path=/_portico; HttpOnly; SameSite=Strict';

function json(res: HttpResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** `Secure` only when the browser reached the gateway over https (a TLS-terminating proxy in front). */
function secureFlag(req: HttpRequest): string {
  return req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
}

/** POST /_portico/login with `Authorization: Bearer <token>`: 204 + the cookie, or 401. */
export function handleLogin(req: HttpRequest, res: HttpResponse, guard: AdminGuard): void {
  const token = bearerToken(req.headers.authorization);
  if (token === null || !guard.verify(token)) {
    json(res, 401, { error: 'unauthorized', message: 'the admin token is not valid (run `portico dashboard` for a fresh login link)' });
    return;
  }
  // Admin tokens are URL-safe (base64url/hex): nothing to escape in the cookie value; refuse anything else.
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) {
    json(res, 400, { error: 'bad_request', message: 'the token has characters a cookie cannot carry' });
    return;
  }
  res.writeHead(204, { 'set-cookie': `${ADMIN_COOKIE}=${token}; ${COOKIE_SCOPE}${secureFlag(req)}`, 'cache-control': 'no-store' });
  res.end();
}

/** POST /_portico/logout: clears the cookie. */
export function handleLogout(req: HttpRequest, res: HttpResponse): void {
  if (req.method !== 'POST') {
    json(res, 405, { error: 'method_not_allowed', message: 'POST to log out' }, { allow: 'POST' });
    return;
  }
  res.writeHead(204, { 'set-cookie': `${ADMIN_COOKIE}=; ${COOKIE_SCOPE}${secureFlag(req)}; Max-Age=0`, 'cache-control': 'no-store' });
  res.end();
}
