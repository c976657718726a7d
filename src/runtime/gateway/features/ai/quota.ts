// Token quotas on AI routes (route `ai.tokenLimit`): per consumer key, a fixed window of
// `perMs` in which at most `tokens` input+output tokens may be used. Checked before the call
// against what was recorded (a call that starts under the budget may end over it: the next one
// is refused), recorded from the provider's `usage` after it. Pure apart from the clock passed in.
import type { AiRouteConfig } from '../../../contract/index.js';

type TokenLimit = NonNullable<AiRouteConfig['tokenLimit']>;

interface Window {
  start: number;
  used: number;
}

export type QuotaDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class TokenQuota {
  private readonly windows = new Map<string, Window>();

  constructor(readonly policy: TokenLimit) {}

  check(key: string, now: number): QuotaDecision {
    const w = this.current(key, now);
    if (w === undefined || w.used < this.policy.tokens) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.policy.perMs - now) / 1000)) };
  }

  record(key: string, tokens: number, now: number): void {
    if (tokens <= 0) return;
    let w = this.current(key, now);
    if (w === undefined) {
      w = { start: now, used: 0 };
      this.windows.set(key, w);
    }
    w.used += tokens;
  }

  /** Drop windows that ended (called now and then, so idle consumers cost nothing). */
  sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.policy.perMs) this.windows.delete(key);
  }

  private current(key: string, now: number): Window | undefined {
    const w = this.windows.get(key);
    if (w !== undefined && now - w.start >= this.policy.perMs) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }
}
