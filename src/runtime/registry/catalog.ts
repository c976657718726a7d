// The registry's catalog: which instances of which service exist and how healthy they are.
// Pure state machine: no timers, no sockets. Time comes from an injected clock, probes are
// scheduled by asking `dueProbes(now)` and answered with `recordProbe`, and expiry runs in
// `tick()`. The runtime (registry.ts) drives it with a timer; tests drive it with a fake clock.
//
// Status, after Consul's checks:
//   warning  — known but not yet proven healthy (registered or seeded, no 2xx probe yet), or
//              failing inside its start period. The gateway does not route to it.
//   passing  — its health check answered (2xx / TCP connect) and it has not since failed
//              `failuresBeforeCritical` probes in a row nor missed its TTL.
//   critical — N consecutive failed probes, or a self-registered instance missed its TTL.
//              Self-registered instances are removed after `deregisterAfterMs` of critical;
//              static (seeded) ones stay and keep being probed, so a restarted container
//              comes back on its own.
import type { DiscoveryConfig, InstanceStatus, Registration, RegistryInstance, WatchChange, WatchSnapshot } from '../contract/index.js';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

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

/** What a prober needs to check one instance. */
export interface ProbeTarget {
  service: string;
  id: string;
  address: string;
  port: number;
  check: Check;
  timeoutMs: number;
}

interface Entry {
  service: string;
  id: string;
  address: string;
  port: number;
  version: string | null;
  metadata: Record<string, string>;
  source: 'self' | 'static';
  check: Check;
  /** Per-instance TTL (registration may override the service's); null until it registers. */
  ttlMs: number | null;
  ttlDeadline: number | null;
  registeredAt: number;
  /** Start of the grace period in which failures do not count (seed or registration time). */
  graceUntil: number;
  status: InstanceStatus;
  passedSinceCritical: boolean;
  consecutiveFailures: number;
  criticalSince: number | null;
  criticalReason: string | null;
  lastCheck: { at: number; status: InstanceStatus; output: string } | null;
  nextProbeAt: number;
  probing: boolean;
}

export interface CatalogOptions {
  clock?: Clock;
  /** How many changes are kept for Last-Event-ID resume. */
  historySize?: number;
  /**
   * First index. Defaults to the boot time in ms so that indexes keep increasing across
   * registry restarts and a resuming watcher never mistakes a new registry's index for its own.
   */
  initialIndex?: number;
}

export type ChangeListener = (change: WatchChange) => void;

export type RegisterResult = { created: boolean; instance: RegistryInstance; ttlMs: number };

export class Catalog {
  private readonly clock: Clock;
  private readonly historySize: number;
  private readonly policies = new Map<string, ServicePolicy>();
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly history: WatchChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private currentIndex: number;

  constructor(options: CatalogOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.historySize = options.historySize ?? 1000;
    this.currentIndex = options.initialIndex ?? this.clock.now();
  }

  /**
   * Seeds services and their expected instances from discovery.json. Seeding emits no change
   * events: it is the registry's starting state, part of the first snapshot.
   * Template instances are seeded too (by container name, which resolves on the stack network)
   * and probed like static ones, so after a registry restart the stack's instances turn
   * passing on their first probe instead of waiting for re-registration.
   */
  seed(discovery: DiscoveryConfig): void {
    const now = this.clock.now();
    for (const [name, service] of Object.entries(discovery.services)) {
      const policy: ServicePolicy = {
        check: service.check,
        intervalMs: service.intervalMs,
        timeoutMs: service.timeoutMs,
        failuresBeforeCritical: service.failuresBeforeCritical,
        startPeriodMs: service.startPeriodMs,
        ttlMs: service.ttlMs,
        deregisterAfterMs: service.deregisterAfterMs,
      };
      this.policies.set(name, policy);
      const instances = this.serviceEntries(name, true);
      for (const seed of service.instances) {
        instances.set(seed.id, this.newEntry(name, seed.id, seed.address, seed.port, 'static', policy.check, now, policy));
      }
    }
  }

  get index(): number {
    return this.currentIndex;
  }

  policy(service: string): ServicePolicy {
    return this.policies.get(service) ?? DEFAULT_POLICY;
  }

  hasService(service: string): boolean {
    return this.policies.has(service) || this.entries.has(service);
  }

  snapshot(): WatchSnapshot {
    const services: Record<string, RegistryInstance[]> = {};
    for (const name of this.serviceNames()) services[name] = this.instances(name);
    return { index: this.currentIndex, services };
  }

  instances(service: string): RegistryInstance[] {
    const map = this.entries.get(service);
    if (!map) return [];
    return [...map.values()].sort((a, b) => a.id.localeCompare(b.id)).map(toPublic);
  }

  instance(service: string, id: string): RegistryInstance | null {
    const entry = this.entries.get(service)?.get(id);
    return entry ? toPublic(entry) : null;
  }

  /** Register a new instance or refresh an existing one (Consul's agent/service/register). */
  register(service: string, id: string, registration: Registration): RegisterResult {
    const now = this.clock.now();
    const policy = this.policy(service);
    const check: Check = registration.healthPath !== undefined && policy.check.type === 'http' ? { type: 'http', path: registration.healthPath } : policy.check;
    const instances = this.serviceEntries(service, true);
    const existing = instances.get(id);
    const ttlMs = registration.ttlMs ?? policy.ttlMs;
    let entry: Entry;
    if (existing) {
      entry = existing;
      // The same container re-registering (e.g. after a registry restart) keeps its health
      // state: dropping a passing instance to warning would pull it out of the gateway for
      // nothing. A different port or check is a different endpoint and must prove itself again.
      if (entry.port !== registration.port || !sameCheck(entry.check, check)) this.resetHealth(entry, now, 0);
      entry.address = registration.address;
      entry.port = registration.port;
      entry.check = check;
    } else {
      entry = this.newEntry(service, id, registration.address, registration.port, 'self', check, now, policy);
      // Its server listens already (the client registers on listen): no start period.
      entry.graceUntil = now;
      instances.set(id, entry);
    }
    entry.source = 'self';
    entry.version = registration.version ?? null;
    entry.metadata = { ...(registration.metadata ?? {}) };
    entry.ttlMs = ttlMs;
    entry.ttlDeadline = now + ttlMs;
    if (entry.criticalReason === 'ttl') this.recomputeAfterTtlRenewal(entry);
    // Probe right away: a fresh instance should not wait an interval to start taking traffic.
    entry.nextProbeAt = now;
    this.emit(service);
    return { created: !existing, instance: toPublic(entry), ttlMs };
  }

  /** Renew the TTL. Returns null when the instance is unknown (the client re-registers). */
  heartbeat(service: string, id: string): { instance: RegistryInstance; ttlMs: number } | null {
    const entry = this.entries.get(service)?.get(id);
    if (!entry || entry.ttlMs === null) return null;
    entry.ttlDeadline = this.clock.now() + entry.ttlMs;
    if (entry.criticalReason === 'ttl' && this.recomputeAfterTtlRenewal(entry)) this.emit(service);
    return { instance: toPublic(entry), ttlMs: entry.ttlMs };
  }

  deregister(service: string, id: string): boolean {
    const map = this.entries.get(service);
    if (!map?.delete(id)) return false;
    this.emit(service);
    return true;
  }

  /** Instances whose probe is due; they are marked in flight until `recordProbe`. */
  dueProbes(now = this.clock.now()): ProbeTarget[] {
    const due: ProbeTarget[] = [];
    for (const map of this.entries.values()) {
      for (const entry of map.values()) {
        if (entry.probing || entry.nextProbeAt > now) continue;
        entry.probing = true;
        due.push({ service: entry.service, id: entry.id, address: entry.address, port: entry.port, check: entry.check, timeoutMs: this.policy(entry.service).timeoutMs });
      }
    }
    return due;
  }

  /**
   * The result of a probe. `target` is what was probed: a result for an endpoint the instance
   * no longer has (it re-registered elsewhere meanwhile) is ignored.
   */
  recordProbe(target: ProbeTarget, ok: boolean, output: string): void {
    const entry = this.entries.get(target.service)?.get(target.id);
    if (!entry) return;
    entry.probing = false;
    if (entry.address !== target.address || entry.port !== target.port || !sameCheck(entry.check, target.check)) return;
    const now = this.clock.now();
    const policy = this.policy(entry.service);
    const before = entry.status;
    entry.lastCheck = { at: now, status: ok ? 'passing' : 'critical', output: output.slice(0, 512) };
    if (ok) {
      entry.consecutiveFailures = 0;
      entry.passedSinceCritical = true;
      if (entry.criticalReason !== 'ttl') this.setStatus(entry, 'passing', now, null);
      entry.nextProbeAt = now + policy.intervalMs;
    } else if (now < entry.graceUntil) {
      entry.nextProbeAt = now + policy.intervalMs;
    } else {
      entry.consecutiveFailures += 1;
      if (entry.consecutiveFailures >= policy.failuresBeforeCritical) {
        if (entry.status !== 'critical') this.setStatus(entry, 'critical', now, 'probe');
        entry.nextProbeAt = now + policy.intervalMs;
      } else {
        // Confirm a failure quickly instead of waiting whole intervals: N failures in a row
        // then fit in about one interval, so a dead instance leaves the rotation fast.
        entry.nextProbeAt = now + recheckDelay(policy);
      }
    }
    if (entry.status !== before) this.emit(entry.service);
  }

  /** Expire TTLs and remove long-critical self-registered instances. Call periodically. */
  tick(now = this.clock.now()): void {
    for (const [service, map] of this.entries) {
      let changed = false;
      for (const [id, entry] of map) {
        if (entry.ttlDeadline !== null && now > entry.ttlDeadline && entry.status !== 'critical') {
          this.setStatus(entry, 'critical', now, 'ttl');
          entry.lastCheck = { at: now, status: 'critical', output: `TTL of ${entry.ttlMs} ms expired without a heartbeat` };
          changed = true;
        }
        if (entry.source === 'self' && entry.status === 'critical' && entry.criticalSince !== null && now - entry.criticalSince >= this.policy(service).deregisterAfterMs) {
          map.delete(id);
          changed = true;
        }
      }
      if (changed) this.emit(service);
    }
  }

  /**
   * Changes after `lastIndex`, oldest first; null when they are no longer all in the history
   * (or the index is not ours): the watcher needs a fresh snapshot.
   */
  changesSince(lastIndex: number): WatchChange[] | null {
    if (!Number.isSafeInteger(lastIndex) || lastIndex > this.currentIndex) return null;
    if (lastIndex === this.currentIndex) return [];
    const oldest = this.history[0];
    if (!oldest || lastIndex < oldest.index - 1) return null;
    return this.history.filter((c) => c.index > lastIndex);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private serviceNames(): string[] {
    return [...new Set([...this.policies.keys(), ...this.entries.keys()])].sort();
  }

  private serviceEntries(service: string, create: true): Map<string, Entry> {
    let map = this.entries.get(service);
    if (!map && create) this.entries.set(service, (map = new Map()));
    return map!;
  }

  private newEntry(service: string, id: string, address: string, port: number, source: 'self' | 'static', check: Check, now: number, policy: ServicePolicy): Entry {
    return {
      service,
      id,
      address,
      port,
      version: null,
      metadata: {},
      source,
      check,
      ttlMs: null,
      ttlDeadline: null,
      registeredAt: now,
      graceUntil: now + policy.startPeriodMs,
      status: 'warning',
      passedSinceCritical: false,
      consecutiveFailures: 0,
      criticalSince: null,
      criticalReason: null,
      lastCheck: null,
      nextProbeAt: now,
      probing: false,
    };
  }

  private resetHealth(entry: Entry, now: number, graceMs: number): void {
    entry.status = 'warning';
    entry.passedSinceCritical = false;
    entry.consecutiveFailures = 0;
    entry.criticalSince = null;
    entry.criticalReason = null;
    entry.lastCheck = null;
    entry.graceUntil = now + graceMs;
  }

  /** A heartbeat ends a TTL-caused critical; the probe state decides what it is now. */
  private recomputeAfterTtlRenewal(entry: Entry): boolean {
    const now = this.clock.now();
    const before = entry.status;
    if (entry.consecutiveFailures >= this.policy(entry.service).failuresBeforeCritical) this.setStatus(entry, 'critical', now, 'probe');
    else this.setStatus(entry, entry.passedSinceCritical ? 'passing' : 'warning', now, null);
    return entry.status !== before;
  }

  private setStatus(entry: Entry, status: InstanceStatus, now: number, reason: 'probe' | 'ttl' | null): void {
    if (status === 'critical') {
      if (entry.status !== 'critical') entry.criticalSince = now;
      entry.criticalReason = reason;
      entry.passedSinceCritical = false;
    } else {
      entry.criticalSince = null;
      entry.criticalReason = null;
    }
    entry.status = status;
  }

  private emit(service: string): void {
    this.currentIndex += 1;
    const change: WatchChange = { index: this.currentIndex, service, instances: this.instances(service) };
    this.history.push(change);
    if (this.history.length > this.historySize) this.history.shift();
    for (const listener of this.listeners) listener(change);
  }
}

/** Spacing of confirmation probes after a failure: N of them fit in one interval. */
export function recheckDelay(policy: ServicePolicy): number {
  return Math.max(100, Math.floor(policy.intervalMs / policy.failuresBeforeCritical));
}

function sameCheck(a: Check, b: Check): boolean {
  return a.type === b.type && (a.type === 'tcp' || a.path === (b as { path: string }).path);
}

function toPublic(entry: Entry): RegistryInstance {
  return {
    service: entry.service,
    id: entry.id,
    address: entry.address,
    port: entry.port,
    version: entry.version,
    metadata: { ...entry.metadata },
    status: entry.status,
    source: entry.source,
    registeredAt: new Date(entry.registeredAt).toISOString(),
    lastCheck: entry.lastCheck ? { at: new Date(entry.lastCheck.at).toISOString(), status: entry.lastCheck.status, output: entry.lastCheck.output } : null,
  };
}
