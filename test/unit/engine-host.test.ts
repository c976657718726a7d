// Whether the engine's bind mounts see this machine's files (engine/docker/engine-host.ts).
import { describe, expect, it } from 'vitest';
import { engineIsLocal } from '../../src/engine/docker/engine-host.js';

describe('engineIsLocal', () => {
  it('is true for the local socket and false for an engine over the network', () => {
    expect(engineIsLocal({})).toBe(true);
    expect(engineIsLocal({ DOCKER_HOST: '' })).toBe(true);
    expect(engineIsLocal({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe(true);
    expect(engineIsLocal({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).toBe(true);
    expect(engineIsLocal({ DOCKER_HOST: 'tcp://10.0.0.2:2376' })).toBe(false);
    expect(engineIsLocal({ DOCKER_HOST: 'ssh://me@build-box' })).toBe(false);
  });
});
