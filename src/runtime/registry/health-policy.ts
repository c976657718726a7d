// How a service's instances are checked: the probe and its thresholds (from discovery.json,
// i.e. the manifest's `health` block), and the timing rules derived from them. Pure.
import type { DiscoveryService } from '../contract/index.js';

export type Check = { type: 'http'; path: string } | { type: 'tcp' };

export interface ServicePolicy {
  check: Check;
  intervalMs: number;
  timeoutMs: number;
  failuresBeforeCritical: number;
  startPeriodMs: number;
  ttlMs: number;
  deregisterAfterMs: number;
}

/** For services that register without being listed in discovery.json (run outside `up`). */
export const DEFAULT_POLICY: ServicePolicy = {
  check: { type: 'http', path: '/healthz' },
  intervalMs: 5_000,
  timeoutMs: 2_000,
  failuresBeforeCritical: 3,
  startPeriodMs: 0,
  ttlMs: 30_000,
  deregisterAfterMs: 60_000,
};

/** The policy discovery.json gives a service. */
export function policyOf(service: DiscoveryService): ServicePolicy {
  return {
    check: service.check,
    intervalMs: service.intervalMs,
    timeoutMs: service.timeoutMs,
    failuresBeforeCritical: service.failuresBeforeCritical,
    startPeriodMs: service.startPeriodMs,
    ttlMs: service.ttlMs,
    deregisterAfterMs: service.deregisterAfterMs,
  };
}

/**
 * Spacing of the confirmation probes after a failure. The first failure completes at most
 * interval + timeout after an instance dies; the N-1 confirmations start `delay` apart and
 * each lasts at most the timeout, so the last completes (N-1)·delay + timeout later: in all
 * interval + 2·timeout + (N-1)·delay. Half of what is left of 2 intervals goes to spreading
 * the confirmations (so a short blip changes nothing: one passing confirmation resets the
 * count) and half is kept as margin, so a dead instance turns critical within 2 intervals
 * whenever timeout <= interval / 2. With the defaults (2 s, 1 s) they all start at once.
 */
export function recheckDelay(policy: ServicePolicy): number {
  const confirmations = Math.max(1, policy.failuresBeforeCritical - 1);
  return Math.max(0, Math.floor((policy.intervalMs - 2 * policy.timeoutMs) / confirmations / 2));
}

export function sameCheck(a: Check, b: Check): boolean {
  return a.type === b.type && (a.type === 'tcp' || a.path === (b as { path: string }).path);
}
