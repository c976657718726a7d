// In-process tests: the app listens on a free port (0) on 127.0.0.1 and is called with fetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';

const app = buildApp();
let base = '';

beforeAll(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

// Response bodies are checked by the assertions, so they are typed loosely.
const body = (response: Response): Promise<any> => response.json();
const post = (path: string, body: unknown) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('probes', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await body(await fetch(`${base}/readyz`))).toEqual({ status: 'ready' });
  });

  it('serves an OpenAPI document describing /items', async () => {
    const doc = await body(await fetch(`${base}/openapi.json`));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/items');
  });

  it('derives the document from the route schemas', async () => {
    const doc = await body(await fetch(`${base}/openapi.json`));
    expect(doc.paths['/items/{id}'].get.operationId).toBe('getItem');
    expect(doc.paths['/items/{id}'].get.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    expect(doc.paths['/items'].post.requestBody.content['application/json'].schema.required).toEqual(['name']);
    expect(Object.keys(doc.components.schemas)).toEqual(['Item', 'Error']);
    expect(doc.paths['/openapi.json']).toBeUndefined();
  });
});

describe('/items', () => {
  it('creates, reads, lists and deletes an item', async () => {
    const created = await post('/items', { name: 'first' });
    expect(created.status).toBe(201);
    const item = await body(created);
    expect(item).toMatchObject({ name: 'first' });

    expect(await body(await fetch(`${base}/items/${item.id}`))).toEqual(item);
    expect((await body(await fetch(`${base}/items`))).items).toContainEqual(item);

    expect((await fetch(`${base}/items/${item.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/items/${item.id}`)).status).toBe(404);
  });

  it('rejects a body without a name with 400', async () => {
    const response = await post('/items', { title: 'no name' });
    expect(response.status).toBe(400);
    expect((await body(response)).error).toMatch(/name/);
  });
});

describe('shutdown', () => {
  it('reports not ready once shutdown starts', async () => {
    const other = buildApp();
    other.markNotReady();
    const response = await other.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    await other.close();
  });
});
