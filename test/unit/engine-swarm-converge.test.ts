import { describe, expect, it } from 'vitest';
import { serviceProgress } from '../../src/engine/swarm/converge.js';
import type { SwarmServiceInfo, SwarmTaskInfo } from '../../src/engine/swarm/client.js';
import { withFileEnv } from '../../src/runtime/gateway/env-files.js';

const since = '2026-01-01T00:00:10.000Z';
const service = (over: Partial<SwarmServiceInfo> = {}): SwarmServiceInfo => ({
  id: 's1', name: 'shop-orders', version: 3, labels: { 'dev.portico.config-hash': 'new' }, image: 'i', replicas: 2, global: false, updateState: null, updateMessage: null, publishedPorts: [], ...over,
});
let n = 0;
const task = (over: Partial<SwarmTaskInfo> = {}): SwarmTaskInfo => ({
  id: `t${++n}`, serviceId: 's1', slot: 1, desiredState: 'running', state: 'running', error: null, message: 'started', timestamp: '2026-01-01T00:00:11.000Z', containerId: 'c', configHash: 'new', ...over,
});

describe('serviceProgress', () => {
  it('is ready when exactly the desired tasks run and no update is in flight', () => {
    expect(serviceProgress(service(), [task(), task({ slot: 2 })], since)).toEqual({ state: 'ready', running: 2, desired: 2 });
    expect(serviceProgress(service({ updateState: 'completed' }), [task(), task({ slot: 2 }), task({ desiredState: 'shutdown', state: 'shutdown' })], since).state).toBe('ready');
  });

  it('waits while tasks start, an update rolls, or old tasks are still stopping', () => {
    expect(serviceProgress(service(), [task(), task({ slot: 2, state: 'starting' })], since)).toMatchObject({ state: 'waiting', detail: '1/2 running' });
    expect(serviceProgress(service({ updateState: 'updating' }), [task(), task({ slot: 2 })], since)).toMatchObject({ state: 'waiting', detail: 'rolling update' });
    expect(serviceProgress(service(), [task(), task({ slot: 2 }), task({ desiredState: 'shutdown', state: 'running' })], since)).toMatchObject({ state: 'waiting', detail: '1 old task(s) stopping' });
  });

  it('waits while tasks of the previous spec still run, even before Swarm reports the update (right after the update call)', () => {
    const old = (slot: number) => task({ slot, configHash: 'old' });
    expect(serviceProgress(service({ updateState: 'completed' }), [old(1), old(2)], since)).toMatchObject({ state: 'waiting', detail: 'rolling update', running: 0 });
    expect(serviceProgress(service({ updateState: null }), [task(), old(2)], since)).toMatchObject({ state: 'waiting', running: 1 });
  });

  it('fails with the task error of a task of this deploy that failed or was rejected', () => {
    const failed = task({ state: 'rejected', desiredState: 'shutdown', error: 'No such image: portico/x:1' });
    expect(serviceProgress(service(), [task(), failed], since)).toEqual({ state: 'failed', reason: 'task 1 rejected: No such image: portico/x:1' });
    // A failure from before this deploy started is history.
    expect(serviceProgress(service(), [task(), task({ slot: 2 }), { ...failed, timestamp: '2026-01-01T00:00:01.000Z' }], since).state).toBe('ready');
  });

  it('fails when Swarm rolled an update back, naming why', () => {
    const p = serviceProgress(service({ updateState: 'rollback_completed', updateMessage: 'rollback completed' }), [task(), task({ slot: 2 })], since);
    expect(p).toEqual({ state: 'failed', reason: 'update rollback completed: rollback completed' });
  });

  it('a global service wants as many tasks as Swarm scheduled', () => {
    expect(serviceProgress(service({ global: true, replicas: 0 }), [task()], since)).toMatchObject({ state: 'ready', desired: 1 });
    expect(serviceProgress(service({ global: true, replicas: 0 }), [], since)).toMatchObject({ state: 'waiting', desired: 1 });
  });
});

describe('withFileEnv (gateway secrets from Docker secret files)', () => {
  const files: Record<string, string> = { '/run/secrets/KEY': 'value-1\n' };
  const read = (f: string) => {
    if (!(f in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return files[f]!;
  };

  it('fills NAME from NAME_FILE without the trailing newline, and leaves a set NAME alone', () => {
    expect(withFileEnv({ KEY_FILE: '/run/secrets/KEY' }, ['KEY'], read)).toEqual({ KEY_FILE: '/run/secrets/KEY', KEY: 'value-1' });
    expect(withFileEnv({ KEY_FILE: '/run/secrets/KEY', KEY: 'set' }, ['KEY'], read).KEY).toBe('set');
    expect(withFileEnv({ OTHER: 'x' }, ['KEY'], read)).toEqual({ OTHER: 'x' });
  });

  it('reads only the secrets the config names: other *_FILE variables belong to other programs', () => {
    const env = { TF_CLI_CONFIG_FILE: '/nowhere/terraformrc', SSL_CERT_FILE: '/etc/ssl/cert.pem', KEY_FILE: '/run/secrets/KEY' };
    expect(withFileEnv(env, ['KEY'], read)).toEqual({ ...env, KEY: 'value-1' });
  });

  it('an unreadable file is an error naming the variable and the file', () => {
    expect(() => withFileEnv({ KEY_FILE: '/run/secrets/missing' }, ['KEY'], read)).toThrow('KEY_FILE: cannot read /run/secrets/missing (ENOENT)');
  });
});
