import { describe, expect, it } from 'vitest';
import { Catalog, recheckDelay, type ProbeTarget } from '../../src/runtime/registry/catalog.js';
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
  timeoutMs: 500,
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
    expect(due).toEqual([{ service: 'cache', id: 'shop-cache-1', address: 'shop-cache-1', port: 6379, check: { type: 'tcp' }, timeoutMs: 500 }]);
    expect(status('cache', 'shop-cache-1')).toBe('passing');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ index: catalog.index, service: 'cache', instances: [{ status: 'passing', lastCheck: { status: 'passing', output: 'HTTP 200' } }] });
    // A second passing probe changes no status: no event.
    probeAll(true);
    expect(changes).toHaveLength(1);
  });

  it('probes on the interval, not before, and never twice at once', () => {
    const { catalog, clock, probeAll } = setup();
    const first = catalog.dueProbes();
    expect(first).toHaveLength(1);
    expect(catalog.dueProbes()).toEqual([]); // in flight
    catalog.recordProbe(first[0]!, true, 'ok');
    clock.advance(999);
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
    // The confirmation probe comes after interval/N, not a whole interval.
    expect(recheckDelay(catalog.policy('cache'))).toBe(333);
    clock.advance(332);
    expect(catalog.dueProbes()).toEqual([]);
    clock.advance(1);
    probeAll(false);
    clock.advance(333);
    probeAll(false);
    expect(status('cache', 'shop-cache-1')).toBe('critical');
    expect(changes.at(-1)!.instances[0]).toMatchObject({ status: 'critical', lastCheck: { status: 'critical', output: 'ECONNREFUSED' } });
    clock.advance(1000);
    probeAll(true);
    expect(status('cache', 'shop-cache-1')).toBe('passing');
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
    for (let i = 1; i <= 5; i++) catalog.register('orders', `shop-orders-${i}`, reg);
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
