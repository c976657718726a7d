// `portico export`: usage errors and the overwrite guard, checked before any image is built.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir } from '../../helpers/workspace.js';

const MANIFEST = 'version: 1\nname: shop\nservices:\n  cache:\n    image: redis:7\n    port: 6379\n';

describe('portico export: usage', () => {
  it('Kubernetes-only flags on compose, a bad --hpa-max, and --ingress-class with --http-route exit 2', async () => {
    const dir = await tempDir({ 'portico.yaml': MANIFEST });
    const host = await runCli(['export', 'compose', '--host', 'x.example.com'], { cwd: dir });
    expect([host.code, host.stderr]).toEqual([2, expect.stringContaining('--host is for `export kubernetes` only')]);
    const hpa = await runCli(['export', 'kubernetes', '--hpa-max', 'lots'], { cwd: dir });
    expect([hpa.code, hpa.stderr]).toEqual([2, expect.stringContaining('--hpa-max must be a whole number')]);
    const both = await runCli(['export', 'kubernetes', '--ingress-class', 'nginx', '--http-route', 'public'], { cwd: dir });
    expect(both.code).toBe(2);
    const target = await runCli(['export', 'helm'], { cwd: dir });
    expect(target.code).toBe(2);
  });

  it('never overwrites: an existing compose file or a non-empty folder exits 2 with a hint, untouched', async () => {
    const dir = await tempDir({ 'portico.yaml': MANIFEST, 'docker-compose.yml': 'mine\n', 'deploy/kubernetes/keep.yaml': 'mine\n' });
    const compose = await runCli(['export', 'compose'], { cwd: dir });
    expect([compose.code, compose.stderr]).toEqual([2, expect.stringMatching(/docker-compose\.yml already exists[\s\S]*--force/)]);
    const k8s = await runCli(['export', 'kubernetes', '--json'], { cwd: dir });
    expect(k8s.code).toBe(2);
    expect(JSON.parse(k8s.stdout)).toBeTruthy();
    expect(await readFile(path.join(dir, 'docker-compose.yml'), 'utf8')).toBe('mine\n');
  });

  it('an invalid manifest exits 2 before anything else', async () => {
    const dir = await tempDir({ 'portico.yaml': 'version: 1\nname: Bad Name\n' });
    expect((await runCli(['export', 'compose'], { cwd: dir })).code).toBe(2);
  });
});
