// Authentication: API keys (header x-api-key) and JWT (Authorization: Bearer).
// - API key values come from env vars named in the config, never from the file. Presented keys
//   are compared on SHA-256 digests with timingSafeEqual, against every configured key, so the
//   time taken says nothing about which key or how much of it matched.
// - JWTs are verified in jwt.ts (loaded only when the config has a jwt block).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayConfig } from '../../../contract/index.js';
import type { AuthResult } from '../../identity.js';
import type { GatewayLogger } from '../../log.js';
import type { CredentialMemo } from '../../session.js';

interface StoredKey {
  name: string;
  digest: Buffer;
}

const NO_CREDENTIALS: AuthResult = { ok: false, reason: 'no credentials' };

export function digest(value: string): Buffer {
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

/** The last API key a connection presented, with its verdict, by the authenticator that gave it. */
interface RememberedKey {
  by: Authenticator;
  presented: string;
  result: AuthResult;
}

/**
 * Equality in time that depends on the length only: behind a trusted proxy that multiplexes
 * clients onto one connection, the remembered key may be another client's.
 */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** One authenticator per config, shared by the routes that use auth. */
export class Authenticator {
  constructor(
    private readonly apiKeys: ApiKeys,
    private readonly jwt: TokenVerifier | null,
  ) {}

  /** Synchronous when the credential is an API key; a promise for JWT verification. */
  authenticate(apiKey: string | null, authorization: string | null, memo?: CredentialMemo): AuthResult | Promise<AuthResult> {
    if (apiKey !== null) {
      if (this.apiKeys.size === 0) return { ok: false, reason: 'API keys are not accepted here' };
      // A keep-alive connection usually presents the same key on every request: its verdict is
      // reused instead of hashing again (compared in constant time, see sameString). A reload
      // builds a new authenticator, so an old verdict never outlives its config.
      const remembered = memo?.credential as RememberedKey | null | undefined;
      if (remembered != null && remembered.by === this && sameString(remembered.presented, apiKey)) return remembered.result;
      const name = this.apiKeys.check(apiKey);
      const result: AuthResult = name === null ? { ok: false, reason: 'invalid API key' } : { ok: true, identity: { kind: 'apiKey', consumer: name, claims: null, cacheKey: `k:${name}` } };
      if (memo !== undefined) memo.credential = { by: this, presented: apiKey, result } satisfies RememberedKey;
      return result;
    }
    if (authorization !== null) {
      if (authorization.length < 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return { ok: false, reason: 'Authorization must be "Bearer <token>"' };
      if (this.jwt === null) return { ok: false, reason: 'bearer tokens are not accepted here' };
      return this.jwt.verify(authorization.slice(7).trim());
    }
    return NO_CREDENTIALS;
  }
}

/** What the authenticator needs from a JWT verifier (jwt.ts). */
export interface TokenVerifier {
  verify(token: string): Promise<AuthResult>;
}

export function buildAuthenticator(config: GatewayConfig, env: NodeJS.ProcessEnv, logger: GatewayLogger, jwt: TokenVerifier | null): Authenticator {
  return new Authenticator(new ApiKeys(config.auth.apiKeys, env, logger), jwt);
}
