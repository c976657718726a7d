// `portico deploy` flags are checked before Docker is contacted: bad usage is exit 2.
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/workspace.js';
import { pushedRef } from '../../src/engine/swarm/deploy.js';

describe('portico deploy: usage', () => {
  it.each([
    // commander rejects these choices itself (its message goes to the process's stderr).
    [['deploy', '--target', 'kubernetes'], null],
    [['deploy', '--publish', 'mesh'], null],
    [['deploy', '--gateway-replicas', '0'], /--gateway-replicas must be a whole number from 1 to 20/],
    [['deploy', '--timeout', 'soon'], /--timeout must be a positive number/],
    [['deploy', '--push', 'not a registry'], /--push needs a registry address/],
    [['deploy', 'logs', '--tail', '-3'], /--tail must be a whole number/],
  ])('%j exits 2', async (argv, message) => {
    const r = await runCli(argv, { cwd: await tempDir() });
    expect(r.code, r.stderr).toBe(2);
    if (message) expect(r.stderr).toMatch(message);
  });
});

describe('pushedRef', () => {
  it('puts the registry (with or without a trailing slash) in front of the local reference', () => {
    expect(pushedRef('registry.example.com:5000/team', 'portico/shop-orders:abc')).toBe('registry.example.com:5000/team/portico/shop-orders:abc');
    expect(pushedRef('ghcr.io/acme/', 'portico/gateway:0.1.0-ff')).toBe('ghcr.io/acme/portico/gateway:0.1.0-ff');
  });
});
