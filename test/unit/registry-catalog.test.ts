import { describe, expect, it } from 'vitest';
import { Catalog, type ProbeTarget } from '../../src/runtime/registry/catalog.js';
import { recheckDelay } from '../../src/runtime/registry/health-policy.js';
import type { DiscoveryConfig, WatchChange } from '../../src/runtime/contract/index.js';

class FakeClock {
  constructor(public t = 1_000_000) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

const service = {
  port: 3000,
  intervalMs: 1000,
  timeoutMs: 200,
  failuresBeforeCritical: 3,
  startPeriodMs: 0,
  ttlMs: 3000,
  deregisterAfterMs: 10_000,
};

function discovery(overrides: Partial<typeof service> = {}): DiscoveryConfig {
  return {
    version: 1,
    project: 'shop',
    network: 'shop_net',
    services: {
      orders: { kind: 'template', check: { type: 'http', path: '/healthz' }, instances: [], ...service, ...overrides },
      cache: { kind: 'image', check: { type: 'tcp' }, instances: [{ id: 'shop-cache-1', address: 'shop-cache-1', port: 6379 }], ...service, port: 6379, ...overrides },
    },
  };
}

function setup(overrides: Partial<typeof service> = {}, historySize?: number) {
  const clock = new FakeClock();
  const catalog = new Catalog({ clock, historySize });
  catalog.seed(discovery(overrides));
  const changes: WatchChange[] = [];
  catalog.subscribe((c) => changes.push(c));
  /** Run every due probe with the given outcome. */
  const probeAll = (ok: boolean | ((t: ProbeTarget) => boolean)) => {
    const due = catalog.dueProbes();
    for (const t of due) catalog.recordProbe(t, typeof ok === 'function' ? ok(t) : ok, ok ? 'HTTP 200' : 'ECONNREFUSED');
    return due;
  };
  const status = (svc: string, id: string) => catalog.instance(svc, id)?.status;
  return { clock, catalog, changes, probeAll, status };
}

const reg = { address: '10.0.0.5', port: 3000 };

describe('registry catalog', () => {
  it('starts its index at the boot time and seeds static instances as warning, with no events', () => {
    const { catalog, changes, clock, status } = setup();
    expect(catalog.index).toBe(clock.t);
    expect(status('cache', 'shop-cache-1')).toBe('warning');
    expect(catalog.snapshot().services).toMatchObject({ orders: [], cache: [{ id: 'shop-cache-1', source: 'static', lastCheck: null }] });
    expect(changes).toEqual([]);
  });

  it('turns an instance passing only after a successful probe, and emits one change', () => {
    const { catalog, changes, probeAll, status } = setup();
    const due = probeAll(true);
    expect(due).toEqual([{ service: 'cache', id: 'shop-cache-1', address: 'shop-cache-1', port: 6379, check: { type: 'tcp' }, timeoutMs: 200, seq: 1, startedAt: 1_000_000 }]);
    expect(status('cache', 'shop-cache-1')).toBe('passing');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ index: catalog.index, service: 'cache', instances: [{ status: 'passing', lastCheck: { status: 'passing', output: 'HTTP 200' } }] });
    // A second passing probe changes no status: no event.
    probeAll(true);
    expect(changes).toHaveLength(1);
  });

  it('probes on the interval from probe start, not before, and never twice at once', () => {
    const { catalog, clock, probeAll } = setup();
    const first = catalog.dueProbes();
    expect(first).toHaveLength(1);
    expect(catalog.dueProbes()).toEqual([]); // in flight
    clock.advance(120); // the probe took 120 ms: the cadence stays one interval from its start
    catalog.recordProbe(first[0]!, true, 'ok');
    clock.advance(879);
    expect(probeAll(true)).toEqual([]);
    clock.advance(1);
    expect(probeAll(true)).toHaveLength(1);
  });

  it('goes critical after N consecutive failures, confirming quickly, and recovers on one pass', () => {
    const { catalog, clock, probeAll, status, changes } = setup();
    probeAll(true);
    clock.advance(1000);
    probeAll(false);
    // Below the threshold a passing instance stays passing (one blip does not pull it).
    expect(status('cache', 'shop-cache-1')).toBe('passing');
    // Confirmations come every (interval - 2*timeout)/(N-1)/2, not a whole interval later.
    expect(recheckDelay(catalog.policy('cache'))).toBe(150);
    // With the manifest defaults (2 s / 1 s / 3) the confirmations all start at once.
    expect(recheckDelay({ ...catalog.policy('cache'), intervalMs: 2000, timeoutMs: 1000, failuresBeforeCritical: 3 })).toBe(0);
    clock.advance(149);
    expect(catalog.dueProbes()).toEqual([]);
    clock.advance(1);
    probeAll(false);
    clock.advance(150);
    probeAll(false);
    expect(status('cache', 'shop-cache-1')).toBe('critical');
    expect(changes.at(-1)!.instances[0]).toMatchObject({ status: 'critical', lastCheck: { status: 'critical', output: 'ECONNREFUSED' } });
    // Critical: back to the normal interval.
    clock.advance(999);
    expect(catalog.dueProbes()).toEqual([]);
    clock.advance(1);
    probeAll(true);
    expect(status('cache', 'shop-cache-1')).toBe('passing');
  });

  it('does not wait for a hanging confirmation probe before starting the next', () => {
    const { catalog, clock, probeAll, status } = setup();
    const killedAt = clock.t + 1; // just after a passing probe started
    probeAll(true);
    clock.advance(1000);
    const [first] = catalog.dueProbes();
    clock.advance(200); // timed out
    catalog.recordProbe(first!, false, 'timeout');
    clock.advance(150);
    const [second] = catalog.dueProbes();
    clock.advance(100);
    expect(catalog.dueProbes()).toEqual([]);
    clock.advance(50); // `second` still in flight, the next confirmation starts anyway
    const [third] = catalog.dueProbes();
    expect([second!.seq, third!.seq]).toEqual([3, 4]);
    clock.advance(50);
    catalog.recordProbe(second!, false, 'timeout');
    expect(status('cache', 'shop-cache-1')).toBe('passing');
    clock.advance(150);
    catalog.recordProbe(third!, false, 'timeout');
    expect(status('cache', 'shop-cache-1')).toBe('critical');
    // The worst case (death right after a probe started) within two intervals, with margin.
    expect(clock.t - killedAt).toBeLessThanOrEqual(2 * 1000 - 300);
  });

  it('ignores a result older than one already recorded', () => {
    const { catalog, clock, probeAll, status } = setup();
    probeAll(true);
    clock.advance(1000);
    probeAll(false);
    clock.advance(150);
    const [older] = catalog.dueProbes();
    clock.advance(150);
    const [newer] = catalog.dueProbes();
    catalog.recordProbe(newer!, true, 'ok');
    catalog.recordProbe(older!, false, 'late timeout');
    expect(status('cache', 'shop-cache-1')).toBe('passing');
    expect(catalog.instance('cache', 'shop-cache-1')!.lastCheck!.output).toBe('ok');
  });

  it('ignores failures inside the start period', () => {
    const { clock, probeAll, status } = setup({ startPeriodMs: 5000 });
    for (let i = 0; i < 4; i++) {
      probeAll(false);
      clock.advance(1000);
    }
    expect(status('cache', 'shop-cache-1')).toBe('warning');
    clock.advance(1000);
    for (let i = 0; i < 3; i++) {
      probeAll(false);
      clock.advance(400);
    }
    expect(status('cache', 'shop-cache-1')).toBe('critical');
  });

  it('ends the start period at the first passing probe (as Docker does)', () => {
    const { clock, probeAll, status } = setup({ startPeriodMs: 5000 });
    probeAll(true);
    expect(status('cache', 'shop-cache-1')).toBe('passing');
    // Dies one second later, well inside the 5 s start period: the failures count at once.
    clock.advance(1000);
    for (let i = 0; i < 3; i++) {
      probeAll(false);
      clock.advance(recheckDelay({ ...service, check: { type: 'tcp' }, startPeriodMs: 5000 }));
    }
    expect(status('cache', 'shop-cache-1')).toBe('critical');
  });

  it('registers as warning, probes right away, and answers the TTL to heartbeat within', () => {
    const { catalog, probeAll, status, changes } = setup();
    const result = catalog.register('orders', 'shop-orders-1', { ...reg, version: '1.2.0', metadata: { zone: 'a' } });
    expect(result).toMatchObject({ created: true, ttlMs: 3000, instance: { status: 'warning', source: 'self', version: '1.2.0', metadata: { zone: 'a' } } });
    expect(changes).toHaveLength(1);
    const due = probeAll(true);
    expect(due.map((t) => t.id)).toContain('shop-orders-1');
    expect(due.find((t) => t.id === 'shop-orders-1')!.check).toEqual({ type: 'http', path: '/healthz' });
    expect(status('orders', 'shop-orders-1')).toBe('passing');
  });

  it('uses the registered health path and TTL over the service defaults', () => {
    const { catalog } = setup();
    expect(catalog.register('orders', 'shop-orders-1', { ...reg, healthPath: '/ready', ttlMs: 9000 }).ttlMs).toBe(9000);
    expect(catalog.dueProbes().find((t) => t.id === 'shop-orders-1')!.check).toEqual({ type: 'http', path: '/ready' });
  });

  it('turns critical on a missed TTL, back on a heartbeat, and removes it after deregisterAfter', () => {
    const { catalog, clock, probeAll, status } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    probeAll(true);
    clock.advance(2999);
    catalog.tick();
    expect(status('orders', 'shop-orders-1')).toBe('passing');
    expect(catalog.heartbeat('orders', 'shop-orders-1')).toMatchObject({ ttlMs: 3000, instance: { status: 'passing' } });
    clock.advance(3001);
    catalog.tick();
    expect(status('orders', 'shop-orders-1')).toBe('critical');
    expect(catalog.instance('orders', 'shop-orders-1')!.lastCheck!.output).toMatch(/TTL of 3000 ms expired/);
    // A passing probe does not hide a missed TTL.
    clock.advance(1000);
    probeAll(true);
    expect(status('orders', 'shop-orders-1')).toBe('critical');
    expect(catalog.heartbeat('orders', 'shop-orders-1')!.instance.status).toBe('passing');
    clock.advance(3001);
    catalog.tick();
    clock.advance(9_999);
    catalog.tick();
    expect(status('orders', 'shop-orders-1')).toBe('critical');
    clock.advance(1);
    catalog.tick();
    expect(catalog.instance('orders', 'shop-orders-1')).toBeNull();
    expect(catalog.heartbeat('orders', 'shop-orders-1')).toBeNull();
  });

  it('keeps static instances however long they are critical', () => {
    const { catalog, clock, probeAll, status } = setup();
    for (let i = 0; i < 3; i++) {
      probeAll(false);
      clock.advance(400);
    }
    expect(status('cache', 'shop-cache-1')).toBe('critical');
    clock.advance(60_000);
    catalog.tick();
    expect(status('cache', 'shop-cache-1')).toBe('critical');
  });

  it('keeps the health of an instance that re-registers on the same port, resets it on a new port', () => {
    const { catalog, probeAll, status } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    probeAll(true);
    expect(catalog.register('orders', 'shop-orders-1', { ...reg, address: '10.0.0.6' })).toMatchObject({ created: false, instance: { status: 'passing', address: '10.0.0.6' } });
    expect(catalog.register('orders', 'shop-orders-1', { ...reg, port: 3001 }).instance.status).toBe('warning');
  });

  it('turns a seeded template instance into a self-registered one, keeping its probe state', () => {
    const clock = new FakeClock();
    const catalog = new Catalog({ clock });
    const d = discovery();
    d.services.orders!.instances = [{ id: 'shop-orders-1', address: 'shop-orders-1', port: 3000 }];
    catalog.seed(d);
    for (const t of catalog.dueProbes()) catalog.recordProbe(t, true, 'ok');
    expect(catalog.instance('orders', 'shop-orders-1')).toMatchObject({ status: 'passing', source: 'static' });
    expect(catalog.register('orders', 'shop-orders-1', reg).instance).toMatchObject({ status: 'passing', source: 'self', address: '10.0.0.5' });
  });

  it('ignores a probe result for an endpoint the instance no longer has', () => {
    const { catalog, status } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    const [target] = catalog.dueProbes().filter((t) => t.id === 'shop-orders-1');
    catalog.register('orders', 'shop-orders-1', { ...reg, port: 4000 });
    catalog.recordProbe(target!, true, 'ok');
    expect(status('orders', 'shop-orders-1')).toBe('warning');
  });

  it('deregisters, with an event; unknown instances are reported as such', () => {
    const { catalog, changes } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    expect(catalog.deregister('orders', 'shop-orders-1')).toBe(true);
    expect(changes.at(-1)).toMatchObject({ service: 'orders', instances: [] });
    expect(catalog.deregister('orders', 'shop-orders-1')).toBe(false);
    expect(catalog.deregister('nope', 'x')).toBe(false);
  });

  it('accepts services missing from discovery.json with default policy', () => {
    const { catalog } = setup();
    expect(catalog.hasService('adhoc')).toBe(false);
    expect(catalog.register('adhoc', 'adhoc-1', reg).ttlMs).toBe(30_000);
    expect(catalog.hasService('adhoc')).toBe(true);
    expect(Object.keys(catalog.snapshot().services)).toEqual(['adhoc', 'cache', 'orders']);
  });

  it('resumes from a Last-Event-ID the bounded history covers, else asks for a snapshot', () => {
    const { catalog } = setup({}, 3);
    const start = catalog.index;
    expect(catalog.changesSince(start)).toEqual([]);
    for (let i = 1; i <= 5; i++) catalog.register('orders', `shop-orders-${i}`, { ...reg, port: 3000 + i });
    expect(catalog.index).toBe(start + 5);
    expect(catalog.changesSince(start + 5)).toEqual([]);
    expect(catalog.changesSince(start + 3)!.map((c) => c.index)).toEqual([start + 4, start + 5]);
    expect(catalog.changesSince(start + 2)!.map((c) => c.index)).toEqual([start + 3, start + 4, start + 5]);
    expect(catalog.changesSince(start + 1)).toBeNull(); // change start+2 fell out of the history
    expect(catalog.changesSince(start + 6)).toBeNull(); // from another registry's future
    // Each change carries the service's full instance list after it.
    expect(catalog.changesSince(start + 4)![0]!.instances.map((i) => i.id)).toEqual(['shop-orders-1', 'shop-orders-2', 'shop-orders-3', 'shop-orders-4', 'shop-orders-5']);
  });
});

describe('registry catalog reseed (discovery.json changed)', () => {
  it('adds new seeds, drops seeds no longer listed, keeps self-registered instances, with events', () => {
    const { catalog, changes, probeAll } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    probeAll(true);
    const before = changes.length;
    const next = discovery();
    next.services.orders!.instances = [{ id: 'shop-orders-2', address: 'shop-orders-2', port: 3000 }];
    next.services.cache!.instances = [];
    expect(catalog.reseed(next).sort()).toEqual(['cache', 'orders']);
    expect(changes.slice(before).map((c) => [c.service, c.instances.map((i) => `${i.id}:${i.source}:${i.status}`)])).toEqual([
      ['orders', ['shop-orders-1:self:passing', 'shop-orders-2:static:warning']],
      ['cache', []],
    ]);
    // The same file again changes nothing.
    expect(catalog.reseed(next)).toEqual([]);
  });

  it('applies a new health block: new policy, new check for instances that did not bring their own', () => {
    const { catalog, probeAll, status } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    catalog.register('orders', 'shop-orders-2', { ...reg, port: 3001, healthPath: '/ready' });
    probeAll(true);
    const next = discovery({ intervalMs: 5000 });
    next.services.orders!.check = { type: 'http', path: '/health/live' };
    expect(catalog.reseed(next)).toEqual(['orders']);
    expect(catalog.policy('orders').intervalMs).toBe(5000);
    // A different check must prove itself again; the instance with its own path keeps passing.
    expect(status('orders', 'shop-orders-1')).toBe('warning');
    expect(status('orders', 'shop-orders-2')).toBe('passing');
    expect(catalog.dueProbes().map((t) => [t.id, t.check])).toEqual([['shop-orders-1', { type: 'http', path: '/health/live' }]]);
  });

  it('forgets a service removed from discovery.json once it has no self-registered instance', () => {
    const { catalog, changes } = setup();
    const next = discovery();
    delete (next.services as Record<string, unknown>).cache;
    expect(catalog.reseed(next)).toEqual(['cache']);
    expect(changes.at(-1)).toMatchObject({ service: 'cache', instances: [] });
    expect(catalog.hasService('cache')).toBe(false);
    expect(Object.keys(catalog.snapshot().services)).toEqual(['orders']);
  });
});

describe('registry catalog: dead instances and reused addresses', () => {
  it('keeps a self-registered instance critical on probe success until it heartbeats again', () => {
    const { catalog, clock, probeAll, status } = setup();
    catalog.register('orders', 'shop-orders-1', reg);
    probeAll(true);
    clock.advance(1000);
    probeAll(false);
    clock.advance(150);
    probeAll(false);
    clock.advance(150);
    probeAll(false);
    expect(status('orders', 'shop-orders-1')).toBe('critical');
    // Something answers on its address again: not enough (the container may be another one).
    clock.advance(1000);
    probeAll(true);
    expect(status('orders', 'shop-orders-1')).toBe('critical');
    expect(catalog.instance('orders', 'shop-orders-1')!.lastCheck!.output).toMatch(/critical until the instance heartbeats: its address may now belong to another container/);
    // The instance itself proves it is alive.
    expect(catalog.heartbeat('orders', 'shop-orders-1')!.instance.status).toBe('passing');
  });

  it('does not revive on a heartbeat when the latest probe failed', () => {
    const { catalog, clock, probeAll, status } = setup({ failuresBeforeCritical: 1 });
    catalog.register('orders', 'shop-orders-1', reg);
    probeAll(true);
    clock.advance(1000);
    probeAll(false);
    clock.advance(1000);
    probeAll(true);
    clock.advance(1000);
    probeAll(false);
    expect(catalog.heartbeat('orders', 'shop-orders-1')!.instance.status).toBe('critical');
    expect(status('orders', 'shop-orders-1')).toBe('critical');
  });

  it('revives a static seed (probed by container name) on a passing probe alone', () => {
    const { clock, probeAll, status } = setup({ failuresBeforeCritical: 1 });
    probeAll(false);
    expect(status('cache', 'shop-cache-1')).toBe('critical');
    clock.advance(1000);
    probeAll(true);
    expect(status('cache', 'shop-cache-1')).toBe('passing');
  });

  it('drops a self-registered instance whose address:port a new registration takes over', () => {
    const { catalog, changes } = setup();
    catalog.register('orders', 'shop-orders-2', reg);
    catalog.register('users', 'shop-users-1', { ...reg, port: 4000 });
    const before = changes.length;
    catalog.register('orders', 'shop-orders-3', reg);
    expect(catalog.instance('orders', 'shop-orders-2')).toBeNull();
    expect(catalog.instance('users', 'shop-users-1')).not.toBeNull();
    expect(changes.slice(before)).toHaveLength(1);
    expect(changes.at(-1)!.instances.map((i) => i.id)).toEqual(['shop-orders-3']);
    // Across services too: the old holder's service gets its own change event.
    catalog.register('users', 'shop-users-2', reg);
    expect(catalog.instance('orders', 'shop-orders-3')).toBeNull();
    expect(changes.slice(-2).map((c) => c.service)).toEqual(['users', 'orders']);
  });
});
