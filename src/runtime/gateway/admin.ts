// The admin check in front of every endpoint a feature registers with `access: 'admin'`
// (/_portico/catalog, /_portico/openapi.json, /_portico/analytics, /_portico/ui, ...): the
// stack's admin token, generated per workspace by the CLI and given to the gateway by env var,
// presented as `Authorization: Bearer <token>` (CLI, scripts) or as the HttpOnly cookie the
// browser login sets (ADMIN_COOKIE). Compared in constant time; without a configured token
// nothing is admitted.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from './http1/server.js';
import type { HttpResponse } from './http1/response.js';

/** The cookie the browser login sets (HttpOnly, SameSite=Strict, Path=/_portico). */
export const ADMIN_COOKIE = 'portico_admin';

export type AdminCheck = { ok: true } | { ok: false; reason: string };

export class AdminGuard {
  private readonly digest: Buffer | null;

  constructor(token: string | undefined) {
    this.digest = token ? sha256(token) : null;
  }

  /** Whether the request carries the admin token. */
  requireAdmin(req: Pick<HttpRequest, 'headers'>): AdminCheck {
    if (this.digest === null) return { ok: false, reason: 'this gateway has no admin token configured (start it with `portico up`)' };
    const presented = bearerToken(req.headers.authorization) ?? cookieValue(req.headers.cookie, ADMIN_COOKIE);
    if (presented === null) return { ok: false, reason: 'admin endpoints need Authorization: Bearer <admin token> or the login cookie (`portico dashboard` prints a login link)' };
    // Digests have equal length whatever was sent, so the comparison leaks nothing about the token.
    if (!timingSafeEqual(sha256(presented), this.digest)) return { ok: false, reason: 'the admin token is not valid' };
    return { ok: true };
  }

  /** Whether `token` is the admin token (the browser login checks the token it is given before setting the cookie). */
  verify(token: string): boolean {
    return this.digest !== null && timingSafeEqual(sha256(token), this.digest);
  }

  /** requireAdmin, answering 401 (with no data) when it fails; true when the caller may go on. */
  admit(req: HttpRequest, res: HttpResponse): boolean {
    const check = this.requireAdmin(req);
    if (check.ok) return true;
    res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="portico-admin"' });
    res.end(JSON.stringify({ error: 'unauthorized', message: check.reason }));
    return false;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  const token = header.slice(7).trim();
  return token.length > 0 ? token : null;
}

/** One cookie's value from a Cookie header (`a=1; b=2`), or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value.length > 0 ? value : null;
    }
  }
  return null;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
