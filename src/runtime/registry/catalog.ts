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
//              comes back on its own. A critical self-registered instance needs a heartbeat
//              to come back (see heartbeatGate).
// Probe policies and timing rules live in health-policy.ts; the change index and history in
// change-log.ts.
import type { DiscoveryConfig, InstanceStatus, Registration, RegistryInstance, WatchChange, WatchSnapshot } from '../contract/index.js';
import { ChangeLog, type ChangeListener } from './change-log.js';
import { DEFAULT_POLICY, policyOf, recheckDelay, sameCheck, type Check, type ServicePolicy } from './health-policy.js';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** What a prober needs to check one instance. */
export interface ProbeTarget {
  service: string;
  id: string;
  address: string;
  port: number;
  check: Check;
  timeoutMs: number;
  /** Dispatch order per instance: a result older than one already recorded is ignored. */
  seq: number;
  /** When it was dispatched: the next regular probe is an interval after this. */
  startedAt: number;
}

interface Entry extends Pick<RegistryInstance, 'service' | 'id' | 'address' | 'port' | 'version' | 'metadata' | 'source' | 'status'> {
  check: Check;
  /** The health path the instance registered, overriding the service's; null = the service's. */
  ownHealthPath: string | null;
  /** Per-instance TTL (registration may override the service's); null until it registers. */
  ttlMs: number | null;
  ttlDeadline: number | null;
  registeredAt: number;
  /** Start of the grace period in which failures do not count (seed or registration time). */
  graceUntil: number;
  passedSinceCritical: boolean;
  consecutiveFailures: number;
  criticalSince: number | null;
  criticalReason: string | null;
  lastCheck: { at: number; status: InstanceStatus; output: string } | null;
  nextProbeAt: number;
  inFlight: number;
  probeSeq: number;
  recordedSeq: number;
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

export type RegisterResult = { created: boolean; instance: RegistryInstance; ttlMs: number };

export class Catalog {
  private readonly clock: Clock;
  private readonly policies = new Map<string, ServicePolicy>();
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly log: ChangeLog;

  constructor(options: CatalogOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.log = new ChangeLog(options.initialIndex ?? this.clock.now(), options.historySize ?? 1000);
  }

  /**
   * Seeds services and their expected instances from discovery.json. Seeding emits no change
   * events: it is the registry's starting state, part of the first snapshot.
   * Template instances are seeded too (by container name, which resolves on the stack network)
   * and probed like static ones, so after a registry restart the stack's instances turn
   * passing on their first probe instead of waiting for re-registration.
   */
  seed(discovery: DiscoveryConfig): void {
    this.applyDiscovery(discovery, false);
  }

  /**
   * Applies a changed discovery.json (`portico up` rewrote it, e.g. more replicas or a new
   * health block) without a restart: policies are replaced, new seeds added, seeds no longer
   * listed removed, and self-registered instances keep their state but follow the new
   * service check unless they registered their own health path. Emits one change per
   * service whose instances changed; returns those services.
   */
  reseed(discovery: DiscoveryConfig): string[] {
    return this.applyDiscovery(discovery, true);
  }

  private applyDiscovery(discovery: DiscoveryConfig, emit: boolean): string[] {
    const now = this.clock.now();
    const changed = new Set<string>();
    for (const name of [...this.policies.keys()]) {
      if (name in discovery.services) continue;
      this.policies.delete(name);
      const map = this.entries.get(name);
      if (!map) continue;
      for (const [id, entry] of map) {
        if (entry.source !== 'static') continue;
        map.delete(id);
        changed.add(name);
      }
      if (map.size === 0) {
        this.entries.delete(name);
        changed.add(name);
      }
    }
    for (const [name, service] of Object.entries(discovery.services)) {
      const policy = policyOf(service);
      this.policies.set(name, policy);
      const instances = this.serviceEntries(name, true);
      const seeds = new Map(service.instances.map((seed) => [seed.id, seed]));
      for (const [id, entry] of instances) {
        if (entry.source === 'static' && !seeds.has(id)) {
          instances.delete(id);
          changed.add(name);
          continue;
        }
        const check = entry.ownHealthPath !== null && policy.check.type === 'http' ? { type: 'http' as const, path: entry.ownHealthPath } : policy.check;
        if (!sameCheck(entry.check, check)) {
          entry.check = check;
          this.resetHealth(entry, now, 0);
          entry.nextProbeAt = now;
          changed.add(name);
        }
      }
      for (const seed of seeds.values()) {
        const existing = instances.get(seed.id);
        if (existing && (existing.source === 'self' || (existing.address === seed.address && existing.port === seed.port))) continue;
        instances.set(seed.id, this.newEntry(name, seed.id, seed.address, seed.port, 'static', policy.check, now, policy));
        changed.add(name);
      }
    }
    if (emit) for (const name of changed) this.emit(name);
    return [...changed];
  }

  get index(): number {
    return this.log.index;
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
    return { index: this.log.index, services };
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
    entry.ownHealthPath = check.type === 'http' && registration.healthPath !== undefined ? registration.healthPath : null;
    entry.version = registration.version ?? null;
    entry.metadata = { ...(registration.metadata ?? {}) };
    entry.ttlMs = ttlMs;
    entry.ttlDeadline = now + ttlMs;
    if (entry.criticalReason !== null) this.recomputeAfterHeartbeat(entry);
    // Probe right away: a fresh instance should not wait an interval to start taking traffic.
    entry.nextProbeAt = now;
    const replaced = this.dropStaleHoldersOf(entry);
    this.emit(service);
    for (const other of replaced) if (other !== service) this.emit(other);
    return { created: !existing, instance: toPublic(entry), ttlMs };
  }

  /** Renew the TTL. Returns null when the instance is unknown (the client re-registers). */
  heartbeat(service: string, id: string): { instance: RegistryInstance; ttlMs: number } | null {
    const entry = this.entries.get(service)?.get(id);
    if (!entry || entry.ttlMs === null) return null;
    entry.ttlDeadline = this.clock.now() + entry.ttlMs;
    if (entry.criticalReason !== null && this.recomputeAfterHeartbeat(entry)) this.emit(service);
    return { instance: toPublic(entry), ttlMs: entry.ttlMs };
  }

  deregister(service: string, id: string): boolean {
    const map = this.entries.get(service);
    if (!map?.delete(id)) return false;
    this.emit(service);
    return true;
  }

  /**
   * Instances whose probe is due; they count as in flight until `recordProbe`.
   * Normally one probe per instance is in flight. A suspect instance (failed, not yet
   * critical) gets its confirmation probes every `recheckDelay` without waiting for the
   * previous one to time out, so a dead instance reaches `failuresBeforeCritical` failures
   * within about one interval even when each probe lasts its whole timeout.
   */
  dueProbes(now = this.clock.now()): ProbeTarget[] {
    const due: ProbeTarget[] = [];
    for (const map of this.entries.values()) {
      for (const entry of map.values()) {
        if (entry.nextProbeAt > now) continue;
        const policy = this.policy(entry.service);
        const suspect = this.isSuspect(entry, policy);
        if (entry.inFlight > 0 && !(suspect && entry.inFlight < policy.failuresBeforeCritical)) continue;
        entry.inFlight += 1;
        entry.probeSeq += 1;
        // A suspect's next confirmation is due on the recheck cadence; otherwise the result
        // schedules the next probe.
        entry.nextProbeAt = suspect ? now + recheckDelay(policy) : Number.POSITIVE_INFINITY;
        due.push({ service: entry.service, id: entry.id, address: entry.address, port: entry.port, check: entry.check, timeoutMs: policy.timeoutMs, seq: entry.probeSeq, startedAt: now });
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
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    const now = this.clock.now();
    const policy = this.policy(entry.service);
    if (entry.address !== target.address || entry.port !== target.port || !sameCheck(entry.check, target.check)) {
      // Stale endpoint: probe the current one soon instead.
      entry.nextProbeAt = Math.min(entry.nextProbeAt, now);
      return;
    }
    if (target.seq < entry.recordedSeq) return;
    entry.recordedSeq = target.seq;
    // A fixed cadence from probe start, so the time a probe takes does not stretch the interval.
    const nextRegular = Math.max(now, target.startedAt + policy.intervalMs);
    const before = entry.status;
    entry.lastCheck = { at: now, status: ok ? 'passing' : 'critical', output: output.slice(0, 512) };
    if (ok) {
      entry.consecutiveFailures = 0;
      entry.passedSinceCritical = true;
      // As in Docker: the first success ends the start period, so an instance that dies soon
      // after starting is still found within the usual number of probes.
      entry.graceUntil = Math.min(entry.graceUntil, now);
      const waitForHeartbeat = heartbeatGate(entry);
      if (waitForHeartbeat === null) this.setStatus(entry, 'passing', now, null);
      else entry.lastCheck.output = `${entry.lastCheck.output} (${waitForHeartbeat})`;
      entry.nextProbeAt = nextRegular;
    } else if (now < entry.graceUntil) {
      entry.nextProbeAt = nextRegular;
    } else {
      entry.consecutiveFailures += 1;
      // A critical instance must pass again after its latest failure before a heartbeat revives it.
      if (entry.status === 'critical') entry.passedSinceCritical = false;
      if (entry.consecutiveFailures >= policy.failuresBeforeCritical) {
        if (entry.status !== 'critical') this.setStatus(entry, 'critical', now, 'probe');
        entry.nextProbeAt = nextRegular;
      } else {
        // Confirm a failure quickly instead of waiting whole intervals (see dueProbes).
        entry.nextProbeAt = Math.min(entry.nextProbeAt, now + recheckDelay(policy));
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

  /** See ChangeLog.since. */
  changesSince(lastIndex: number): WatchChange[] | null {
    return this.log.since(lastIndex);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.log.subscribe(listener);
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
      ownHealthPath: null,
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
      inFlight: 0,
      probeSeq: 0,
      recordedSeq: 0,
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

  /**
   * A heartbeat (or re-registration) from a critical instance: the probe state decides what it
   * is now (see heartbeatGate). Returns whether the status changed.
   */
  private recomputeAfterHeartbeat(entry: Entry): boolean {
    const now = this.clock.now();
    const before = entry.status;
    if (entry.consecutiveFailures >= this.policy(entry.service).failuresBeforeCritical) this.setStatus(entry, 'critical', now, 'probe');
    else this.setStatus(entry, entry.passedSinceCritical ? 'passing' : 'warning', now, null);
    return entry.status !== before;
  }

  /**
   * Self-registered instances with the address of `entry` are gone: an address belongs to one
   * container of the network at a time, and Docker hands a removed container's IP to the next
   * one. Removes them; returns their services.
   */
  private dropStaleHoldersOf(entry: Entry): Set<string> {
    const services = new Set<string>();
    for (const [service, map] of this.entries) {
      for (const [id, other] of map) {
        if (other === entry || other.source !== 'self' || other.address !== entry.address || other.port !== entry.port) continue;
        map.delete(id);
        services.add(service);
      }
    }
    return services;
  }

  private isSuspect(entry: Entry, policy: ServicePolicy): boolean {
    return entry.consecutiveFailures > 0 && entry.consecutiveFailures < policy.failuresBeforeCritical;
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
    this.log.record(service, this.instances(service));
  }

}

/**
 * Why a passing probe does not end this critical instance's status on its own, or null when it
 * does. A missed TTL needs a heartbeat. So does a self-registered instance that went critical
 * on probes: its address is an IP, and once its container is gone Docker may give that IP to
 * another container, whose health answer must not revive the dead instance. A live instance
 * heartbeats every TTL/3 and so comes back within that; seeds are probed by container name,
 * which cannot be taken over.
 */
function heartbeatGate(entry: Entry): string | null {
  if (entry.status !== 'critical') return null;
  if (entry.criticalReason === 'ttl') return 'critical until the instance heartbeats: its TTL expired';
  if (entry.source === 'self') return 'critical until the instance heartbeats: its address may now belong to another container';
  return null;
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
