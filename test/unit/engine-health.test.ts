import { describe, expect, it } from 'vitest';
import { diagnose, readiness, waitReady, type WaitClock } from '../../src/engine/health.js';
import { FakeDocker } from './helpers/fake-docker.js';

function fakeClock(): WaitClock & { t: number } {
  const clock = { t: 0, now: () => clock.t, sleep: async (ms: number) => void (clock.t += ms) };
  return clock;
}

const spec = (name: string) => ({ name, image: 'i', env: {}, labels: {}, network: 'n', aliases: [], ports: [], binds: [], volumes: [], init: true });

describe('readiness', () => {
  const base = { id: 'x', name: 'x', labels: {}, image: 'i', ports: [] };
  const st = (o: object) => ({ ...base, state: { status: 'running', running: true, exitCode: 0, startedAt: '', healthLog: [], ...o } });
  it('classifies inspect results', () => {
    expect(readiness(st({ health: 'healthy' })).state).toBe('ready');
    expect(readiness(st({ health: 'starting' })).state).toBe('waiting');
    expect(readiness(st({ health: 'unhealthy', healthLog: [{ exitCode: 1, output: 'HTTP 500', start: '' }] })).state).toBe('failed');
    // A timed-out check (node slow to start under load) is not final.
    expect(readiness(st({ health: 'unhealthy', healthLog: [{ exitCode: -1, output: 'Health check exceeded timeout (3s)', start: '' }] })).state).toBe('waiting');
    expect(readiness(st({ health: undefined })).state).toBe('ready');
    expect(readiness(st({ status: 'exited', running: false, exitCode: 1 }))).toEqual({ state: 'failed', reason: 'exited with code 1' });
    expect(readiness(undefined).state).toBe('failed');
  });
});

describe('waitReady', () => {
  it('waits until every container is healthy', async () => {
    const docker = new FakeDocker();
    docker.healthOf = (_name, n) => (n < 3 ? 'starting' : 'healthy');
    const a = await docker.createContainer(spec('a'));
    const b = await docker.createContainer(spec('b'));
    await docker.startContainer(a);
    await docker.startContainer(b);
    const clock = fakeClock();
    const ready: string[] = [];
    const failure = await waitReady(docker, [{ id: a, name: 'a' }, { id: b, name: 'b' }], { timeoutMs: 10_000, clock, onReady: (n) => ready.push(n) });
    expect(failure).toBeUndefined();
    expect(ready.sort()).toEqual(['a', 'b']);
    expect(clock.t).toBe(300);
  });

  it('fails on the first unhealthy container, and at the deadline', async () => {
    const docker = new FakeDocker();
    docker.healthOf = (name) => (name === 'bad' ? 'unhealthy' : 'starting');
    const bad = await docker.createContainer(spec('bad'));
    const slow = await docker.createContainer(spec('slow'));
    await docker.startContainer(bad);
    await docker.startContainer(slow);
    expect(await waitReady(docker, [{ id: bad, name: 'bad' }], { timeoutMs: 5000, clock: fakeClock() })).toEqual({ id: bad, name: 'bad', reason: 'health check failing' });
    const clock = fakeClock();
    expect(await waitReady(docker, [{ id: slow, name: 'slow' }], { timeoutMs: 2000, clock })).toMatchObject({ name: 'slow', reason: 'not healthy after 2 s' });
    expect(clock.t).toBeGreaterThanOrEqual(2000);
    expect(clock.t).toBeLessThan(2000 + 150);
  });

  it('diagnose returns the last health output and log lines', async () => {
    const docker = new FakeDocker();
    const id = await docker.createContainer(spec('x'));
    docker.containers.get(id)!.logs = 'one\ntwo\nthree\n';
    expect(await diagnose(docker, id, 2)).toEqual({ healthOutput: 'exit 1: HTTP 500', logs: ['two', 'three'] });
  });
});
