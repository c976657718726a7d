// Who made a request, once a feature (auth) has verified it. Its own module because several
// features read it (rate limit keys by it, the cache partitions by it) and none owns the others.

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
