// The registry's container entry point run as a real process: bundled from source with
// esbuild (as scripts/build.mjs does), configured only by env and discovery.json.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryFor, waitFor } from '../helpers/registry.js';

let dir: string;
let bundle: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'portico-registry-'));
  bundle = path.join(dir, 'registry.mjs');
  await build({ entryPoints: ['src/runtime/registry/main.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'esm', logLevel: 'warning' });
  await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(discoveryFor({ orders: {} })));
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const run = (env: Record<string, string>) => promisify(execFile)(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
  () => ({ code: 0, stdout: '' }),
  (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
);

describe('registry process', () => {
  it('exits 1 naming the problem when discovery.json or the token is missing', async () => {
    const noConfig = await run({ PORTICO_CONFIG_DIR: path.join(dir, 'missing'), PORTICO_REGISTRY_TOKEN: 'x', PORT: '0' });
    expect(noConfig.code).toBe(1);
    expect(noConfig.stdout).toMatch(/cannot read .*missing\/discovery\.json/);
    const noToken = await run({ PORTICO_CONFIG_DIR: dir, PORT: '0' });
    expect(noToken.code).toBe(1);
    expect(noToken.stdout).toMatch(/PORTICO_REGISTRY_TOKEN is not set/);
    const badDir = await mkdtemp(path.join(dir, 'bad-'));
    await writeFile(path.join(badDir, 'discovery.json'), JSON.stringify({ ...discoveryFor({ orders: {} }), version: 2 }));
    const bad = await run({ PORTICO_CONFIG_DIR: badDir, PORTICO_REGISTRY_TOKEN: 'x', PORT: '0' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/discovery\.json: version: .*regenerate it with `portico generate`/);
  });

  it('serves on $PORT with the token from env, reloads a changed discovery.json, stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '', PORTICO_CONFIG_DIR: dir, PORTICO_REGISTRY_TOKEN: 'tok', PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const port = await waitFor(() => /"msg":"listening","port":(\d+)/.exec(out)?.[1], 10_000, 'the listening log line');
    const url = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${url}/v1/health`)).json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${url}/v1/services/orders/instances/shop-orders-1`, { method: 'PUT', body: '{"address":"127.0.0.1","port":1}' })).status).toBe(401);
    const ok = await fetch(`${url}/v1/services/orders/instances/shop-orders-1`, { method: 'PUT', headers: { authorization: 'Bearer tok' }, body: '{"address":"127.0.0.1","port":1}' });
    expect(ok.status).toBe(201);

    // discovery.json rewritten (as `up` does when the stack changes): applied without a restart.
    const seeded = discoveryFor({ orders: {}, cache: { kind: 'image', port: 1, check: { type: 'tcp' }, instances: [{ id: 'shop-cache-1', address: '127.0.0.1', port: 1 }] } });
    await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(seeded));
    await waitFor(async () => ((await (await fetch(`${url}/v1/services`)).json()) as { services: Record<string, unknown[]> }).services.cache?.length === 1, 10_000, 'the reloaded seed');
    await waitFor(() => out.includes('"msg":"discovery.json reloaded","changed":["cache"]'), 5000, 'the reload log line');
    // A broken rewrite is reported and changes nothing.
    await writeFile(path.join(dir, 'discovery.json'), '{ broken');
    await waitFor(() => /discovery\.json not reloaded: .*not valid JSON/.test(out), 10_000, 'the reload error');
    expect(((await (await fetch(`${url}/v1/services`)).json()) as { services: Record<string, unknown[]> }).services.cache).toHaveLength(1);
    await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(discoveryFor({ orders: {} })));

    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/"msg":"stopping","signal":"SIGTERM"/);
  });
});
