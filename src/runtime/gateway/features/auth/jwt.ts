// JWT verification with jose: the algorithms pinned by the config (so `alg: none` and
// HS256-signed tokens against an RS256 key are refused), issuer and audience when configured,
// and `exp` required. Loaded lazily: a gateway without a jwt block never loads jose.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { GatewayConfig } from '../../../contract/index.js';
import type { AuthResult } from '../../identity.js';
import { digest, type TokenVerifier } from './authenticator.js';

type JwtConfig = NonNullable<GatewayConfig['auth']['jwt']>;

const HEADER_UNSAFE = /[^\x20-\x7e]/g;

/** JSON that is safe as an HTTP header value (non-ASCII escaped). */
function headerJson(payload: JWTPayload): string {
  return JSON.stringify(payload).replace(HEADER_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class JwtVerifier implements TokenVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;

  constructor(
    private readonly config: JwtConfig,
    env: NodeJS.ProcessEnv,
  ) {
    if (config.jwksUrl !== null) {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000 });
    } else if (config.secretEnv !== null) {
      const value = env[config.secretEnv];
      if (value === undefined || value === '') throw new Error(`jwt: environment variable ${config.secretEnv} is not set`);
      // The same variable holds an HS256 secret or, for RS256/ES256, a PEM public key.
      this.key = value.includes('-----BEGIN') ? createPublicKey(value) : createSecretKey(Buffer.from(value, 'utf8'));
    } else {
      throw new Error('jwt: needs secretEnv or jwksUrl');
    }
  }

  async verify(token: string): Promise<AuthResult> {
    try {
      const options = {
        algorithms: this.config.algorithms,
        issuer: this.config.issuer ?? undefined,
        audience: this.config.audience ?? undefined,
        requiredClaims: ['exp'],
      };
      const { payload } =
        typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      const subject = payload.sub ?? '(no subject)';
      return { ok: true, identity: { kind: 'jwt', consumer: subject, claims: headerJson(payload), cacheKey: `j:${digest(token).toString('base64url')}` } };
    } catch (error) {
      return { ok: false, reason: jwtReason(error) };
    }
  }
}

/** A reason a client can act on, without echoing anything about the key. */
export function jwtReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'token issuer not accepted';
    if (error.claim === 'aud') return 'token audience not accepted';
    if (error.claim === 'exp') return 'token has no expiry';
    if (error.claim === 'nbf') return 'token not yet valid';
    return `token claim ${error.claim} rejected`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key matches the token';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID') return 'signing keys unavailable';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed token';
  if (error instanceof joseErrors.JOSENotSupported) return 'token algorithm not allowed';
  return 'token rejected';
}
