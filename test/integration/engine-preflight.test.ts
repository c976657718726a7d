// Pre-flight failures create nothing; Ctrl-C during `up` leaves nothing half-created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, copyWorkspace, freePort, labelled, makeWorkspace, portico, randomProject, setGatewayPort, spawnPortico } from './helpers/stack.js';

describe('pre-flight and interruption (real engine)', () => {
  let base: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    base = await makeWorkspace(randomProject());
    dirs.push(base);
  });
  afterAll(async () => {
    for (const d of dirs) await cleanup(d);
  });

  it('exits 3 naming the port and its holder when the gateway port is taken, creating nothing', async () => {
    const project = randomProject();
    const dir = await copyWorkspace(base, project);
    dirs.push(dir);
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await setGatewayPort(dir, port);
      const r = await portico(dir, ['up']);
      expect(r.exitCode, r.all).toBe(3);
      expect(r.all).toContain(`gateway port ${port} is already in use by process ${process.pid}`);
      const left = await labelled(project);
      expect(left.containers).toEqual([]);
      expect(left.networks).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('exits 3 with how to start Docker when the engine is unreachable', async () => {
    const r = await portico(base, ['up'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.exitCode, r.all).toBe(3);
    expect(r.all).toContain('Docker is not reachable');
    expect(r.all).toContain('Start Docker');
  });

  it('exits 2 on an invalid manifest before creating anything', async () => {
    const project = randomProject();
    const dir = await copyWorkspace(base, project);
    dirs.push(dir);
    await writeFile(path.join(dir, 'portico.yaml'), `version: 1\nname: ${project}\nservices:\n  a:\n    port: 0\n`);
    const r = await portico(dir, ['up']);
    expect(r.exitCode, r.all).toBe(2);
    expect((await labelled(project)).containers).toEqual([]);
    // down still works without a valid manifest (finds the project by name).
    expect((await portico(dir, ['down'])).exitCode).toBe(0);
  });

  it('a prebuilt image that cannot be pulled fails naming the image and how to provide it', async () => {
    const project = randomProject();
    const dir = await copyWorkspace(base, project);
    dirs.push(dir);
    const file = path.join(dir, 'portico.yaml');
    await writeFile(file, (await readFile(file, 'utf8')) + '  cache:\n    image: portico-test/not-pullable:1\n    port: 6379\n');
    const r = await portico(dir, ['up', 'cache']);
    expect(r.exitCode, r.all).toBe(3);
    expect(r.all).toContain('image portico-test/not-pullable:1 is not present locally and could not be pulled');
    expect(r.all).toContain('docker load');
    expect((await labelled(project)).containers).toEqual([]);
  });

  /** Runs `up` and sends SIGINT when the output first matches `when`. */
  async function interruptedUp(dir: string, args: string[], when: RegExp) {
    const child = spawnPortico(dir, ['up', ...args]);
    let sent = false;
    child.all!.on('data', (chunk: Buffer) => {
      if (!sent && when.test(chunk.toString())) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    return { r: await child, sent: () => sent };
  }

  it('SIGINT during the builds exits 130 and creates nothing', async () => {
    const project = randomProject();
    const dir = await copyWorkspace(base, project);
    dirs.push(dir);
    const { r, sent } = await interruptedUp(dir, ['--build'], /npm run build/);
    expect(sent(), r.all).toBe(true);
    expect(r.exitCode, r.all).toBe(130);
    const left = await labelled(project);
    expect(left.containers).toEqual([]);
    expect(left.networks).toEqual([]);
  });

  it('SIGINT mid-up removes what the run created, exits non-zero, and down leaves nothing', async () => {
    const project = randomProject();
    const dir = await copyWorkspace(base, project);
    dirs.push(dir);
    // Interrupt once containers are being created and started (registry up, services starting).
    const { r, sent: wasSent } = await interruptedUp(dir, ['--timeout', '120'], /Start alpha/);
    const sent = wasSent();
    expect(sent, r.all).toBe(true);
    expect(r.exitCode, r.all).toBe(130);
    expect(r.all).toMatch(/interrupted/);
    expect((await labelled(project)).containers).toEqual([]);
    const down = await portico(dir, ['down']);
    expect(down.exitCode, down.all).toBe(0);
    const left = await labelled(project);
    expect(left.containers).toEqual([]);
    expect(left.networks).toEqual([]);
  });

  it('--timeout bounds the whole wait, not each dependency wave: a dependent that never gets healthy fails at the timeout', async () => {
    const project = randomProject();
    const dir = await copyWorkspace(base, project);
    dirs.push(dir);
    const file = path.join(dir, 'portico.yaml');
    const text = await readFile(file, 'utf8');
    // Wave 1: alpha, whose first health check runs after 3 s (healthy at ~4-6 s on a busy
    // machine). Wave 2: beta, started once alpha is healthy; its check fails inside a long
    // start period, so it stays "starting" for good.
    await writeFile(
      file,
      text
        .replace('      - path: /api/alpha\n', '      - path: /api/alpha\n    health: { interval: 3s }\n')
        .replace('      - path: /api/beta\n', '      - path: /api/beta\n    dependsOn: [alpha]\n    health: { path: /no-such-health, interval: 1s, startPeriod: 120s }\n'),
    );
    const child = spawnPortico(dir, ['up', '--timeout', '10']);
    let waitingSince: number | undefined;
    child.all!.on('data', (chunk: Buffer) => {
      if (waitingSince === undefined && chunk.toString().includes('waiting for alpha to be healthy')) waitingSince = Date.now();
    });
    const r = await child;
    const waited = (Date.now() - waitingSince!) / 1000;
    expect(r.exitCode, r.all).toBe(1);
    expect(r.all).toContain(`${project}-beta-1 is not healthy: not healthy after 10 s`);
    // One deadline: 10 s after waiting began (plus the failure report), not alpha's ~5 s + a fresh 10 s.
    expect(waited, r.all).toBeLessThan(12.5);
  });
});

