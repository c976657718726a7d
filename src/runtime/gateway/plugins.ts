// The optional per-route features. Each is compiled once per route at config load; a route
// that does not use a feature carries null and pays nothing for it on the hot path.
import type { GatewayRoute } from '../contract/index.js';

export interface Identity {
  /** API key name or JWT subject; forwarded in x-portico-consumer. */
  consumer: string;
  kind: 'apiKey' | 'jwt';
  /** Verified JWT claims (JSON), forwarded in x-portico-claims. */
  claims: string | null;
  /** Stable per-credential value that partitions the cache (never the secret itself). */
  cacheKey: string;
}

export type AuthResult = { ok: true; identity: Identity | null } | { ok: false; reason: string };

/** Per-connection slot where an authenticator may remember its last verdict. */
export interface CredentialMemo {
  credential: unknown;
}

export interface RouteAuth {
  /** Synchronous when the credential is an API key; a promise for JWT verification. */
  authenticate(apiKey: string | null, authorization: string | null, memo?: CredentialMemo): AuthResult | Promise<AuthResult>;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
  /** Seconds until a rejected client may try again (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RouteRateLimit {
  readonly by: 'ip' | 'apiKey' | 'subject';
  readonly policyHeader: string;
  take(key: string, now: number): RateDecision;
}

export interface RoutePlugins {
  auth: RouteAuth | null;
  rateLimit: RouteRateLimit | null;
  cache: { ttlMs: number } | null;
  cors: CompiledCorsLike | null;
}

/** Defined in cors.ts; declared structurally here to keep this file dependency-free. */
export interface CompiledCorsLike {
  readonly policy: NonNullable<GatewayRoute['cors']>;
}

export const NO_PLUGINS: RoutePlugins = { auth: null, rateLimit: null, cache: null, cors: null };
