// The templates' registry client against an in-process registry on 127.0.0.1.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { registerWithPortico } from '../../templates/service/_shared/src/registry-client.js';
import { startRegistry, type RunningRegistry } from '../../src/runtime/registry/registry.js';
import { discoveryFor, waitFor } from '../helpers/registry.js';

const TOKEN = 'client-token';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function collectingLog() {
  const lines: string[] = [];
  return { lines, log: { info: (_: object, msg?: string) => lines.push(`info ${msg}`), warn: (_: object, msg?: string) => lines.push(`warn ${msg}`) } };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function runRegistry(port = 0): Promise<RunningRegistry> {
  const registry = await startRegistry({ discovery: discoveryFor({ orders: { ttlMs: 1200, intervalMs: 200 } }), token: TOKEN, networks: [], host: '127.0.0.1', port });
  cleanups.push(() => registry.close());
  return registry;
}

function service(): http.Server {
  const server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
  cleanups.push(() => new Promise((r) => server.close(r)));
  return server;
}

const envFor = (url: string, token = TOKEN) => ({ PORTICO_REGISTRY_URL: url, PORTICO_REGISTRY_TOKEN: token, PORTICO_SERVICE: 'orders', PORTICO_INSTANCE_ID: 'shop-orders-1', PORTICO_SERVICE_VERSION: '2.0.0', PORTICO_HEALTH_PATH: '/healthz' });
const listen = (server: http.Server) => new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

describe('template registry client', () => {
  it('does nothing without PORTICO_REGISTRY_URL', async () => {
    const server = service();
    await listen(server);
    const { lines, log } = collectingLog();
    const registration = registerWithPortico({ server, log, env: {} });
    await registration.stop();
    expect(lines).toEqual([]);
  });

  it('registers on listen, keeps its TTL alive with heartbeats, and deregisters on stop', async () => {
    const registry = await runRegistry();
    const server = service();
    const { lines, log } = collectingLog();
    const registration = registerWithPortico({ server, log, env: envFor(registry.url), address: '127.0.0.1' });
    await listen(server);
    const port = (server.address() as AddressInfo).port;
    await waitFor(() => registry.catalog.instance('orders', 'shop-orders-1')?.status === 'passing', 3000, 'passing');
    expect(registry.catalog.instance('orders', 'shop-orders-1')).toMatchObject({ address: '127.0.0.1', port, version: '2.0.0', source: 'self' });
    // Three TTLs later it is still passing: heartbeats (every ttl/3) renewed it.
    await new Promise((r) => setTimeout(r, 3 * 1200));
    expect(registry.catalog.instance('orders', 'shop-orders-1')!.status).toBe('passing');
    await registration.stop();
    expect(registry.catalog.instance('orders', 'shop-orders-1')).toBeNull();
    expect(lines).toEqual(['info registered with the Portico registry', 'info deregistered from the Portico registry']);
  });

  it('retries with backoff until the registry comes up', async () => {
    const port = await freePort();
    const server = service();
    await listen(server);
    const { lines, log } = collectingLog();
    const registration = registerWithPortico({ server, log, env: envFor(`http://127.0.0.1:${port}/`), address: '127.0.0.1' });
    cleanups.push(() => registration.stop());
    await new Promise((r) => setTimeout(r, 800));
    expect(lines).toEqual(['warn Portico registry not reachable yet; retrying']);
    const registry = await runRegistry(port);
    await waitFor(() => registry.catalog.instance('orders', 'shop-orders-1'), 8000, 'registration');
    await waitFor(() => lines.at(-1) === 'info registered with the Portico registry', 3000, 'the registered log line');
  });

  it('registers again when a restarted registry does not know it', async () => {
    const first = await runRegistry();
    const port = first.port;
    const server = service();
    await listen(server);
    const { lines, log } = collectingLog();
    const registration = registerWithPortico({ server, log, env: envFor(first.url), address: '127.0.0.1' });
    cleanups.push(() => registration.stop());
    await waitFor(() => first.catalog.instance('orders', 'shop-orders-1'), 3000, 'registration');
    await first.close();
    const second = await runRegistry(port);
    // Within about one heartbeat period (ttl/3 = 400 ms) plus a retry.
    await waitFor(() => second.catalog.instance('orders', 'shop-orders-1')?.status === 'passing', 3000, 're-registration');
    expect(lines).toContain('info unknown to the Portico registry; registering again');
  });

  it('gives up, saying why, when the token is wrong', async () => {
    const registry = await runRegistry();
    const server = service();
    await listen(server);
    const { lines, log } = collectingLog();
    const registration = registerWithPortico({ server, log, env: envFor(registry.url, 'wrong'), address: '127.0.0.1' });
    await waitFor(() => lines.length > 0, 3000, 'a log line');
    expect(lines).toEqual(['warn the Portico registry rejected this instance; not registering']);
    await registration.stop();
    expect(registry.catalog.instances('orders')).toEqual([]);
  });

  it('compiles on its own under strict ESM Node 20 settings (as in a generated service)', () => {
    const file = fileURLToPath(new URL('../../templates/service/_shared/src/registry-client.ts', import.meta.url));
    const program = ts.createProgram([file], {
      // The templates' tsconfig, plus two stricter checks a user may turn on.
      strict: true,
      esModuleInterop: true,
      isolatedModules: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      lib: ['lib.es2023.d.ts'],
      noEmit: true,
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // Node built-ins only.
    const imports = [...ts.sys.readFile(file)!.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.every((name) => name!.startsWith('node:'))).toBe(true);
  });
});
