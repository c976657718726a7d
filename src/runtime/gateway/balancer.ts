// Round-robin over an upstream service's instances with passive outlier ejection: an instance
// that fails `ejectAfterFailures` times in a row (connection errors, timeouts, 502/503/504)
// is skipped for a while (doubling per repeated ejection, capped). When every instance is
// ejected the balancer still picks one (panic mode) rather than failing everything.
// Pure: the clock is passed in; what an instance carries (a pool) is opaque here.

export interface Endpoint<P> {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** "http://address:port" — the pool key. */
  readonly origin: string;
  readonly pool: P;
  failures: number;
  ejections: number;
  ejectedUntil: number;
}

export interface EjectionPolicy {
  ejectAfterFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
}

export const DEFAULT_EJECTION: EjectionPolicy = { ejectAfterFailures: 5, baseEjectionMs: 5_000, maxEjectionMs: 60_000 };

export class RoundRobin<P> {
  endpoints: Endpoint<P>[] = [];
  private cursor = 0;

  constructor(private readonly policy: EjectionPolicy = DEFAULT_EJECTION) {}

  /** Next endpoint not ejected and not `exclude` (the one a retry just failed on). */
  pick(now: number, exclude?: Endpoint<P>): Endpoint<P> | undefined {
    const list = this.endpoints;
    const n = list.length;
    if (n === 0) return undefined;
    let fallback: Endpoint<P> | undefined;
    for (let i = 0; i < n; i++) {
      const e = list[this.cursor++ % n];
      if (this.cursor >= 0x3fffffff) this.cursor = 0;
      if (e === exclude) continue;
      if (e.ejectedUntil <= now) return e;
      if (fallback === undefined || e.ejectedUntil < fallback.ejectedUntil) fallback = e;
    }
    return fallback;
  }

  success(e: Endpoint<P>): void {
    if (e.failures !== 0) e.failures = 0;
  }

  failure(e: Endpoint<P>, now: number): void {
    if (++e.failures < this.policy.ejectAfterFailures) return;
    e.failures = 0;
    const ms = Math.min(this.policy.maxEjectionMs, this.policy.baseEjectionMs * 2 ** e.ejections);
    e.ejections++;
    e.ejectedUntil = now + ms;
  }

  /** Healthy (not ejected) endpoint count, for metrics and health. */
  available(now: number): number {
    let count = 0;
    for (const e of this.endpoints) if (e.ejectedUntil <= now) count++;
    return count;
  }
}
