import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findProject, gatewaySecrets, parseDotEnv, registryToken } from '../../src/engine/workspace.js';
import { parseLdd } from '../../src/engine/images/host-rootfs.js';
import { parseManifest } from '../../src/manifest/load.js';
import { rendererFor } from '../../src/cli/ui/tasks.js';
import { nodeVersionOk } from '../../src/cli/commands/doctor.js';
import { gatewayUrlOf } from '../../src/engine/status.js';

describe('workspace state', () => {
  it('parses .env files', () => {
    expect(parseDotEnv('# c\nA=1\nexport B="two words"\nC=\'x y\'\nD=v # note\nbad line\n')).toEqual({ A: '1', B: 'two words', C: 'x y', D: 'v' });
  });

  it('takes gateway secrets from the host env first, then .env', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-ws-'));
    try {
      await writeFile(path.join(dir, '.env'), 'K1=from-file\nK2=file2\n');
      const m = parseManifest('version: 1\nname: p\ngateway:\n  auth:\n    apiKeys: [{name: a, env: K1}, {name: b, env: K2}, {name: c, env: K3}]\n', '/x/portico.yaml').manifest;
      expect(await gatewaySecrets(m, dir, { K1: 'from-env' })).toEqual({ values: { K1: 'from-env', K2: 'file2' }, missing: ['K3'] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('generates the registry token once, mode 0600', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-ws-'));
    try {
      const t1 = await registryToken(dir);
      expect(t1).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(await registryToken(dir)).toBe(t1);
      const file = path.join(dir, '.portico', 'state', 'registry-token');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await readFile(file, 'utf8')).trim()).toBe(t1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the project from an invalid manifest, or from .portico/discovery.json alone', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-ws-'));
    try {
      await writeFile(path.join(dir, 'portico.yaml'), 'version: 1\nname: shop\nservices: [broken\n');
      expect((await findProject(dir)).project).toBe('shop');
      await rm(path.join(dir, 'portico.yaml'));
      await mkdir(path.join(dir, '.portico'));
      await writeFile(path.join(dir, '.portico', 'discovery.json'), JSON.stringify({ version: 1, project: 'fromdisc', network: 'fromdisc_net', services: {} }));
      await mkdir(path.join(dir, 'sub'));
      expect((await findProject(path.join(dir, 'sub'))).project).toBe('fromdisc');
      await rm(path.join(dir, '.portico'), { recursive: true });
      await expect(findProject(dir)).rejects.toMatchObject({ exitCode: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('small parsers', () => {
  it('reads shared libraries and the loader from ldd output', () => {
    const out = '\tlinux-vdso.so.1 (0x00007ffd)\n\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x1)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x2)\n\t/lib64/ld-linux-x86-64.so.2 (0x3)\n';
    expect(parseLdd(out)).toEqual(['/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });

  it('chooses the plain renderer when not a TTY or in CI', () => {
    const tty = { isTTY: true } as unknown as NodeJS.WritableStream;
    const pipe = {} as NodeJS.WritableStream;
    expect(rendererFor({ ci: false, stdout: tty, stderr: pipe }, false)).toBe('default');
    expect(rendererFor({ ci: true, stdout: tty, stderr: pipe }, false)).toBe('simple');
    expect(rendererFor({ ci: false, stdout: tty, stderr: pipe }, true)).toBe('simple');
  });

  it('checks the Node version floor', () => {
    expect(nodeVersionOk('v20.18.1')).toBe(true);
    expect(nodeVersionOk('v20.9.0')).toBe(false);
    expect(nodeVersionOk('v22.0.0')).toBe(true);
    expect(nodeVersionOk('v18.20.0')).toBe(false);
  });

  it('reads the gateway URL back from the published port', () => {
    const d = (hostIp: string) => ({ ports: [{ hostIp, hostPort: 18080, containerPort: 8080 }] }) as never;
    expect(gatewayUrlOf(d('127.0.0.1'))).toBe('http://127.0.0.1:18080');
    expect(gatewayUrlOf(d('0.0.0.0'))).toBe('http://127.0.0.1:18080');
    expect(gatewayUrlOf(undefined)).toBeNull();
  });
});
