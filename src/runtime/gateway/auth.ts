// Authentication: API keys (header x-api-key) and JWT (Authorization: Bearer).
// - API key values come from env vars named in the config, never from the file. Presented keys
//   are compared on SHA-256 digests with timingSafeEqual, against every configured key, so the
//   time taken says nothing about which key or how much of it matched.
// - JWTs are verified by jose with the algorithms pinned by the config (so `alg: none` and
//   HS256-signed tokens against an RS256 key are refused), issuer and audience when configured,
//   and `exp` required.
import { createHash, createPublicKey, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { GatewayConfig } from '../contract/index.js';
import type { GatewayLogger } from './log.js';
import type { AuthResult, RouteAuth } from './plugins.js';

type JwtConfig = NonNullable<GatewayConfig['auth']['jwt']>;

interface StoredKey {
  name: string;
  digest: Buffer;
}

const NO_CREDENTIALS: AuthResult = { ok: false, reason: 'no credentials' };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export class ApiKeys {
  private readonly keys: StoredKey[];

  constructor(entries: GatewayConfig['auth']['apiKeys'], env: NodeJS.ProcessEnv, logger: GatewayLogger) {
    this.keys = [];
    for (const { name, env: envName } of entries) {
      const value = env[envName];
      if (value === undefined || value === '') {
        logger.warn({ apiKey: name, env: envName }, `API key "${name}" is disabled: environment variable ${envName} is not set`);
        continue;
      }
      this.keys.push({ name, digest: digest(value) });
    }
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key's name, or null. Constant time in the presented value's content. */
  check(presented: string): string | null {
    const d = digest(presented);
    let match: string | null = null;
    for (const k of this.keys) if (timingSafeEqual(d, k.digest) && match === null) match = k.name;
    return match;
  }
}

const HEADER_UNSAFE = /[^\x20-\x7e]/g;

/** JSON that is safe as an HTTP header value (non-ASCII escaped). */
function headerJson(payload: JWTPayload): string {
  return JSON.stringify(payload).replace(HEADER_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class JwtVerifier {
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

/** One authenticator per config, shared by the routes that use auth. */
export class Authenticator implements RouteAuth {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly jwt: JwtVerifier | null,
  ) {}

  authenticate(apiKey: string | null, authorization: string | null): AuthResult | Promise<AuthResult> {
    if (apiKey !== null) {
      if (this.apiKeys.size === 0) return { ok: false, reason: 'API keys are not accepted here' };
      const name = this.apiKeys.check(apiKey);
      return name === null ? { ok: false, reason: 'invalid API key' } : { ok: true, identity: { kind: 'apiKey', consumer: name, claims: null, cacheKey: `k:${name}` } };
    }
    if (authorization !== null) {
      if (authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return { ok: false, reason: 'Authorization must be "Bearer <token>"' };
      if (this.jwt === null) return { ok: false, reason: 'bearer tokens are not accepted here' };
      return this.jwt.verify(authorization.slice(7).trim());
    }
    return NO_CREDENTIALS;
  }
}

export function buildAuthenticator(config: GatewayConfig, env: NodeJS.ProcessEnv, logger: GatewayLogger): Authenticator {
  return new Authenticator(new ApiKeys(config.auth.apiKeys, env, logger), config.auth.jwt === null ? null : new JwtVerifier(config.auth.jwt, env));
}
