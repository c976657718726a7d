// Token-bucket rate limiting, one bucket per key (client IP, API key name or JWT subject) per
// route. A bucket holds up to `burst` tokens and refills at `requests` per `perMs`. Buckets
// that have refilled completely carry no information and are swept, so memory is bounded by
// the number of recently active keys. Pure apart from the sweep timer; the clock is passed in.
import type { RateLimitPolicy } from '../../../contract/index.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
  /** Seconds until a rejected client may try again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** Hard cap on tracked keys: past it, a sweep runs immediately. */
const MAX_KEYS = 100_000;

export class TokenBucketLimiter {
  readonly by: RateLimitPolicy['by'];
  /** `RateLimit-Policy` value (IETF draft form): quota and window in seconds. */
  readonly policyHeader: string;
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMsRate: number;
  private readonly capacity: number;

  constructor(readonly policy: RateLimitPolicy) {
    this.by = policy.by;
    this.capacity = policy.burst;
    this.perMsRate = policy.requests / policy.perMs;
    this.policyHeader = `${policy.requests};w=${Math.max(1, Math.round(policy.perMs / 1000))}`;
  }

  take(key: string, now: number): RateDecision {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= MAX_KEYS) this.sweep(now);
      b = { tokens: this.capacity, last: now };
      this.buckets.set(key, b);
    } else if (now > b.last) {
      b.tokens = Math.min(this.capacity, b.tokens + (now - b.last) * this.perMsRate);
      b.last = now;
    }
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    return {
      allowed,
      limit: this.capacity,
      remaining: Math.floor(b.tokens),
      // Until the bucket is full again.
      resetSeconds: Math.ceil((this.capacity - b.tokens) / this.perMsRate / 1000),
      // Until the next token.
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.perMsRate / 1000)),
    };
  }

  /** Forget buckets that would be full by now. */
  sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.last) * this.perMsRate >= this.capacity) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
