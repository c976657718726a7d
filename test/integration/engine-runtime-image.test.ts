// The host-built runtime image (no registry reachable here): node runs in it as uid 1000,
// resolves names, and has a shell for shell-form commands.
import { describe, expect, it } from 'vitest';
import { getDockerClient } from '../../src/engine/docker/dockerode-client.js';
import { resolveRuntimeImage } from '../../src/engine/images/runtime-image.js';
import { execa } from 'execa';

describe('runtime image', () => {
  it('resolves (or builds) an image whose node runs as uid 1000', async () => {
    const docker = await getDockerClient();
    const messages: string[] = [];
    const image = await resolveRuntimeImage(docker, 'auto', { report: { info: (m) => messages.push(m) }, version: 'test' });
    expect(image.id).toMatch(/^sha256:/);
    const { stdout } = await execa('docker', [
      'run', '--rm', '--network', 'none', '--user', '1000:1000', image.ref,
      'node', '-e', "console.log(process.version, process.getuid(), require('os').userInfo().username, typeof fetch)",
    ]);
    expect(stdout).toBe(`${process.version} 1000 node function`);
    const sh = await execa('docker', ['run', '--rm', '--network', 'none', image.ref, '/bin/sh', '-c', 'echo ok']);
    expect(sh.stdout).toBe('ok');
  });
});
