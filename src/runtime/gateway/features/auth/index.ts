// Auth (gateway.json `auth` and route `auth`): API keys and JWT bearer tokens. In the access
// phase it verifies the credential and sets ex.identity (401 when a required credential is
// missing, or any presented one is wrong); in the upstream-request phase it replaces the
// credential with the identity headers services read. jose is loaded only when a jwt block is
// configured and some route uses auth.
import type { GatewayRoute } from '../../../contract/index.js';
import { GatewayErrors } from '../../errors.js';
import type { Exchange } from '../../exchange.js';
import { withoutHeader } from '../../headers.js';
import type { AuthResult } from '../../identity.js';
import { ANSWERED, NEXT, type Feature, type FeatureInstance, type RouteHandlers } from '../types.js';
import { buildAuthenticator, type Authenticator } from './authenticator.js';

const UNVERIFIABLE: AuthResult = { ok: false, reason: 'credential could not be verified' };
const CHALLENGE = { 'www-authenticate': 'Bearer' };

function routeHandlers(authenticator: Authenticator, route: GatewayRoute): RouteHandlers {
  const required = route.auth === 'required';
  /** Applies a verdict: true when the request was rejected. */
  const admit = (ex: Exchange, result: AuthResult): boolean => {
    if (!result.ok) {
      // Optional auth lets anonymous requests through, never wrong credentials.
      if (!required && result.reason === 'no credentials') return NEXT;
      ex.fail(GatewayErrors.unauthorized, result.reason, CHALLENGE);
      return ANSWERED;
    }
    if (result.identity !== null) ex.identity = result.identity;
    return NEXT;
  };
  return {
    access(ex) {
      const result = authenticator.authenticate(ex.apiKey, ex.authorization, ex.req.session);
      if (result instanceof Promise) return result.then((r) => admit(ex, r), () => admit(ex, UNVERIFIABLE));
      return admit(ex, result);
    },
    upstreamRequest(ex) {
      const identity = ex.identity;
      if (identity === null) return;
      // The API key is the gateway's credential: services get the consumer name instead.
      if (identity.kind === 'apiKey') ex.headers = withoutHeader(ex.headers, 'x-api-key');
      ex.headers.push('x-portico-consumer', identity.consumer);
      if (identity.claims !== null) ex.headers.push('x-portico-claims', identity.claims);
    },
  };
}

export const auth: Feature = {
  name: 'auth',
  slice: { gateway: ['auth'], route: ['auth'] },
  priority: 1250,
  async configure(config, ctx) {
    if (!config.routes.some((r) => r.auth !== 'none')) return null;
    const jwtConfig = config.auth.jwt;
    const jwt = jwtConfig === null ? null : new (await import('./jwt.js')).JwtVerifier(jwtConfig, ctx.env);
    // One authenticator per config: a reload builds a new one, so a remembered verdict never outlives its config.
    const authenticator = buildAuthenticator(config, ctx.env, ctx.logger, jwt);
    const instance: FeatureInstance = {
      forRoute: (route) => (route.auth === 'none' ? null : routeHandlers(authenticator, route)),
    };
    return instance;
  },
};
