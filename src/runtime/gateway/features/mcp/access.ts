// Who may use /_portico/mcp. The endpoint is declared `access: 'public'` because the core's
// admin check alone would shut out the API's own consumers; this is its own check instead:
// the stack's admin token (the core's AdminGuard, Bearer or the login cookie) OR a credential
// the stack's auth accepts (an API key or a JWT, verified by the auth feature's Authenticator
// for this config). Listing tools needs one of them; every tool call then carries the
// caller's own credential to the route, whose auth decides (the admin token is never passed on:
// it opens admin endpoints, not routes).
import type { GatewayConfig } from '../../../contract/index.js';
import { AdminGuard } from '../../admin.js';
import type { HttpRequest } from '../../http1/server.js';
import type { GatewayLogger } from '../../log.js';
import { buildAuthenticator, type TokenVerifier } from '../auth/authenticator.js';
import type { CallerCredentials } from './call.js';

/** Who may use the endpoint, decided per HTTP request. */
export type Admission = { ok: true } | { ok: false; reason: string };

export interface McpAccess {
  admit(req: HttpRequest): Promise<Admission>;
  passOn(headers: Readonly<Record<string, string | undefined>>): CallerCredentials;
}

const HINT =
  'send the stack admin token (Authorization: Bearer <.portico/state/admin-token>) or a credential the gateway accepts (x-api-key: <key> or Authorization: Bearer <jwt>)';

export async function mcpAccess(config: GatewayConfig, env: NodeJS.ProcessEnv, logger: GatewayLogger): Promise<McpAccess> {
  const admin = new AdminGuard(config.admin === undefined ? undefined : env[config.admin.tokenEnv]);
  const jwt: TokenVerifier | null = config.auth.jwt === null ? null : new (await import('../auth/jwt.js')).JwtVerifier(config.auth.jwt, env);
  const authenticator = buildAuthenticator(config, env, logger, jwt);
  const isAdmin = (headers: Readonly<Record<string, string | undefined>>) => admin.requireAdmin({ headers }).ok;
  return {
    async admit(req) {
      if (isAdmin(req.headers)) return { ok: true };
      const apiKey = req.headers['x-api-key'] ?? null;
      const authorization = req.headers.authorization ?? null;
      if (apiKey === null && authorization === null) return { ok: false, reason: `the MCP endpoint needs a credential: ${HINT}` };
      const result = await authenticator.authenticate(apiKey, authorization);
      return result.ok ? { ok: true } : { ok: false, reason: `${result.reason}: ${HINT}` };
    },
    passOn(headers) {
      return { apiKey: headers['x-api-key'] ?? null, authorization: isAdmin(headers) ? null : (headers.authorization ?? null) };
    },
  };
}
