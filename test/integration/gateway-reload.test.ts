// Hot reload: a new config is swapped in without dropping in-flight requests; an invalid one
// is rejected and the old one kept. Also the container entry (the built bundle): loads the
// files from PORTICO_CONFIG_DIR, reloads them when they change, drains on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { deadPort, discovery, gatewayConfig, route, send, startGateway, startUpstream, until } from './gateway-helpers.js';


describe('gateway hot reload (in process)', () => {
  it('swaps routes without dropping an in-flight request', async () => {
    let release!: () => void;
    const slow = await startUpstream('slow', (_req, res) => {
      res.writeHead(200);
      res.write('started;');
      release = () => res.end('done');
    });
    const other = await startUpstream('other');
    const gw = await startGateway({ config: gatewayConfig([route({ service: 'a', path: '/a' })]), discovery: discovery({ a: [slow.port], b: [other.port] }) });

    const inFlight = new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gw.port, path: '/a/x', agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    await gw.gateway.reload(gatewayConfig([route({ service: 'b', path: '/b' })]));
    expect((await send(gw.port, '/a/x')).status).toBe(404);
    expect((await send(gw.port, '/b/x')).headers['x-upstream']).toBe('other');
    release();
    expect(await inFlight).toBe('started;done');
    await gw.close();
    await slow.close();
    await other.close();
  });

  it('rejects an invalid config and keeps the old one', async () => {
    const up = await startUpstream('u');
    const gw = await startGateway({ config: gatewayConfig([route({ service: 'a', path: '/a' })]), discovery: discovery({ a: [up.port] }) });
    await expect(gw.gateway.reload({ ...gatewayConfig([]), version: 2 })).rejects.toThrow(/gateway.json: invalid/);
    await expect(gw.gateway.reload(gatewayConfig([route({ service: 'missing', path: '/m' })]))).rejects.toThrow(/not in discovery.json/);
    expect((await send(gw.port, '/a/x')).status).toBe(200);
    await gw.close();
    await up.close();
  });
});

describe('gateway container entry', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('loads PORTICO_CONFIG_DIR, hot-reloads changed files, keeps the old config on a bad file, exits 0 on SIGTERM', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'portico-gw-'));
    const bundle = path.join(dir, 'gateway.mjs');
    await build({
      entryPoints: [path.resolve('src/runtime/gateway/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      banner: { js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);" },
      logLevel: 'error',
    });
    const up = await startUpstream('u');
    const d = discovery({ a: [up.port] });
    await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(gatewayConfig([route({ service: 'a', path: '/first' })])));
    await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(d));
    const port = await deadPort();
    let output = '';
    child = spawn(process.execPath, [bundle], { env: { ...process.env, PORTICO_CONFIG_DIR: dir, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));

    await until(async () => (await send(port, '/_portico/health')).status === 200);
    expect((await send(port, '/first/x')).headers['x-upstream']).toBe('u');
    expect(output).toContain('"msg":"gateway listening"');

    await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(gatewayConfig([route({ service: 'a', path: '/second' })])));
    await until(async () => (await send(port, '/second/x')).status === 200);
    expect((await send(port, '/first/x')).status).toBe(404);

    await writeFile(path.join(dir, 'gateway.json'), '{ not json');
    await until(async () => output.includes('gateway config change rejected'));
    expect((await send(port, '/second/x')).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await up.close();
  });
});
