// In-process tests: the app listens on a free port (0) on 127.0.0.1 and is called with fetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.js';
import { createLogger, silentLogger } from '../src/log.js';

const { app, markNotReady } = createApp({ log: silentLogger });
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// Response bodies are checked by the assertions, so they are typed loosely.
const body = (response: Response): Promise<any> => response.json();
const post = (path: string, raw: string) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });

describe('probes', () => {
  it('answers /healthz', async () => {
    expect(await body(await fetch(`${base}/healthz`))).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI document describing /items', async () => {
    const doc = await body(await fetch(`${base}/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/items');
  });
});

describe('/items', () => {
  it('creates, reads, lists and deletes an item', async () => {
    const created = await post('/items', JSON.stringify({ name: 'first' }));
    expect(created.status).toBe(201);
    const item = await body(created);
    expect(item).toMatchObject({ name: 'first' });

    expect(await body(await fetch(`${base}/items/${item.id}`))).toEqual(item);
    expect((await body(await fetch(`${base}/items`))).items).toContainEqual(item);

    expect((await fetch(`${base}/items/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/items/${item.id}`)).status).toBe(404);
  });

  it('answers 400 in JSON for a missing name and for malformed JSON', async () => {
    const missing = await post('/items', JSON.stringify({ title: 'x' }));
    expect(missing.status).toBe(400);
    expect((await body(missing)).error).toMatch(/name/);
    const malformed = await post('/items', '{"name":');
    expect(malformed.status).toBe(400);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${base}/nope`);
    expect(response.status).toBe(404);
    expect(await body(response)).toEqual({ error: 'not found' });
  });
});

describe('logs and shutdown', () => {
  it('writes one JSON object per line', () => {
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).info({ port: 1 }, 'hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, port: 1, msg: 'hello' });
  });

  it('reports not ready once shutdown starts', async () => {
    markNotReady();
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });
});
