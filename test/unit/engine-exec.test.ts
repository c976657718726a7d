import { describe, expect, it } from 'vitest';
import { chooseExecTarget } from '../../src/engine/exec.js';
import type { ContainerSummary } from '../../src/engine/docker/client.js';
import { PorticoError } from '../../src/core/errors.js';

const container = (service: string, replica: number, state = 'running'): ContainerSummary => ({
  id: `${service}-${replica}-id`,
  name: `shop-${service}-${replica}`,
  labels: { 'dev.portico.project': 'shop', 'dev.portico.service': service, 'dev.portico.replica': String(replica) },
  state,
  image: 'x',
  ports: [],
});
const choose = (containers: ContainerSummary[], service: string, replica?: number, declared: Record<string, number> = { api: 2, web: 1 }) =>
  chooseExecTarget(containers, { project: 'shop', service, replica, declared });
const codeOf = (r: unknown) => (r instanceof PorticoError ? r.exitCode : 0);

describe('exec target', () => {
  const running = [container('api', 2), container('api', 1), container('web', 1)];

  it('takes the asked replica, else the lowest-numbered running one', () => {
    expect(choose(running, 'api')).toEqual({ id: 'api-1-id', name: 'shop-api-1' });
    expect(choose(running, 'api', 2)).toEqual({ id: 'api-2-id', name: 'shop-api-2' });
    expect(choose([container('api', 1, 'exited'), container('api', 2)], 'api')).toEqual({ id: 'api-2-id', name: 'shop-api-2' });
  });

  it('an unknown service or replica is a usage error (2) with what exists', () => {
    const unknown = choose(running, 'nope') as PorticoError;
    expect(codeOf(unknown)).toBe(2);
    expect(unknown.hint).toBe('Services: api, web.');
    const replica = choose(running, 'api', 3) as PorticoError;
    expect(codeOf(replica)).toBe(2);
    expect(replica.hint).toMatch(/--replica 1 to 2/);
  });

  it('a declared service that is not running is exit 3 with how to start it', () => {
    expect(codeOf(choose([], 'web'))).toBe(3);
    expect(codeOf(choose([container('api', 1)], 'api', 2))).toBe(3);
    const stopped = choose([container('web', 1, 'exited')], 'web') as PorticoError;
    expect(codeOf(stopped)).toBe(3);
    expect(stopped.message).toContain('shop-web-1: exited');
    expect(stopped.hint).toContain('portico up web');
    expect(codeOf(choose([container('web', 1, 'exited')], 'web', 1))).toBe(3);
  });
});
