import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/runtime/gateway/breaker.js';
import { RoundRobin, type Endpoint } from '../../src/runtime/gateway/balancer.js';

const ep = (id: string): Endpoint<null> => ({ id, address: '127.0.0.1', port: 1, origin: `http://${id}`, pool: null, failures: 0, ejections: 0, ejectedUntil: 0 });

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the reset time with one trial, closes on success', () => {
    const states: string[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, resetAfterMs: 1000 });
    b.onStateChange = (s) => states.push(s);
    b.failure(0);
    b.failure(1);
    expect(b.allow(2)).toBe(true);
    b.failure(2);
    expect(b.state).toBe('open');
    expect(b.allow(500)).toBe(false);
    expect(b.retryAfterSeconds(500)).toBe(1);
    expect(b.allow(1002)).toBe(true);
    expect(b.state).toBe('half-open');
    expect(b.allow(1003)).toBe(false); // one trial at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens when the trial fails and lets a new trial through after release', () => {
    const b = new CircuitBreaker({ failureThreshold: 1, resetAfterMs: 100 });
    b.failure(0);
    expect(b.allow(100)).toBe(true);
    b.failure(100);
    expect(b.state).toBe('open');
    expect(b.allow(150)).toBe(false);
    expect(b.allow(200)).toBe(true);
    b.release();
    expect(b.allow(201)).toBe(true);
  });

  it('a success resets the consecutive failure count', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, resetAfterMs: 100 });
    b.failure(0);
    b.success();
    b.failure(1);
    expect(b.state).toBe('closed');
  });
});

describe('RoundRobin with outlier ejection', () => {
  it('rotates over endpoints', () => {
    const rr = new RoundRobin<null>();
    rr.endpoints = [ep('a'), ep('b'), ep('c')];
    expect([0, 1, 2, 3].map(() => rr.pick(0)!.id)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('skips an endpoint for a growing time after consecutive failures', () => {
    const rr = new RoundRobin<null>({ ejectAfterFailures: 2, baseEjectionMs: 100, maxEjectionMs: 1000 });
    const [a, b] = [ep('a'), ep('b')];
    rr.endpoints = [a, b];
    rr.failure(a, 0);
    rr.failure(a, 0);
    expect(a.ejectedUntil).toBe(100);
    expect([1, 2, 3].map(() => rr.pick(10)!.id)).toEqual(['b', 'b', 'b']);
    expect(rr.available(10)).toBe(1);
    rr.failure(a, 200);
    rr.failure(a, 200);
    expect(a.ejectedUntil).toBe(400); // doubled
  });

  it('still picks someone when all are ejected, and honours exclude', () => {
    const rr = new RoundRobin<null>({ ejectAfterFailures: 1, baseEjectionMs: 100, maxEjectionMs: 1000 });
    const [a, b] = [ep('a'), ep('b')];
    rr.endpoints = [a, b];
    rr.failure(a, 0);
    rr.failure(b, 50);
    expect(rr.pick(60)!.id).toBe('a'); // the one back soonest
    expect(rr.pick(0, b)!.id).toBe('a');
    rr.endpoints = [a];
    expect(rr.pick(0, a)).toBeUndefined();
    rr.endpoints = [];
    expect(rr.pick(0)).toBeUndefined();
  });
});
