// A circuit breaker per upstream service: closed -> (failureThreshold consecutive failures) ->
// open (answer 503 + Retry-After, no upstream traffic) -> (resetAfterMs) -> half-open (one
// trial request) -> closed on success, open again on failure.
// A small state machine instead of opossum: opossum wraps every call in promises and timers,
// which would cost allocations on every proxied request; this costs two integer updates.
// Pure: the clock is passed in.

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  failureThreshold: number;
  resetAfterMs: number;
}

export class CircuitBreaker {
  state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  /** Called on every state change (metrics, logs). */
  onStateChange: ((state: BreakerState) => void) | null = null;

  constructor(public policy: BreakerPolicy) {}

  /** May a request go upstream now? In half-open, only one trial at a time. */
  allow(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < this.policy.resetAfterMs) return false;
      this.transition('half-open');
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Seconds until a trial request will be let through (for Retry-After). */
  retryAfterSeconds(now: number): number {
    if (this.state !== 'open') return 1;
    return Math.max(1, Math.ceil((this.openedAt + this.policy.resetAfterMs - now) / 1000));
  }

  success(): void {
    this.failures = 0;
    if (this.state !== 'closed') {
      this.trialInFlight = false;
      this.transition('closed');
    }
  }

  failure(now: number): void {
    if (this.state === 'half-open') {
      this.trialInFlight = false;
      this.open(now);
      return;
    }
    if (this.state === 'closed' && ++this.failures >= this.policy.failureThreshold) this.open(now);
  }

  /** A request let through in half-open ended without a verdict (client went away). */
  release(): void {
    this.trialInFlight = false;
  }

  private open(now: number): void {
    this.openedAt = now;
    this.failures = 0;
    this.transition('open');
  }

  private transition(state: BreakerState): void {
    if (this.state === state) return;
    this.state = state;
    this.onStateChange?.(state);
  }
}
