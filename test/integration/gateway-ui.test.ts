// The developer portal in a real in-process gateway (real sockets on 127.0.0.1): the page and
// its files only with the admin token, a fixed file list (anything else 404, no traversal),
// ETag revalidation and gzip, the login that turns the token into an HttpOnly SameSite=Strict
// cookie, logout, the route table, and the live status stream (on connect, every 2 s and
// ended when the gateway stops). Uses dist/runtime/ui (npm run build first).
import http from 'node:http';
import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UI_ASSET_FILES } from '../../src/runtime/contract/ui-assets.js';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

const TOKEN = 'admin-token-for-ui-tests-0123456789';
const env = { ADMIN: TOKEN } as NodeJS.ProcessEnv;
const admin = { authorization: `Bearer ${TOKEN}` };

/** Read an SSE stream until `count` events arrived; returns their parsed data and arrival times. */
function readEvents(port: number, headers: http.OutgoingHttpHeaders, count: number): Promise<{ status: number; events: { at: number; data: any }[] }> {
  return new Promise((resolve, reject) => {
    const events: { at: number; data: any }[] = [];
    const req = http.get({ host: '127.0.0.1', port, path: '/_portico/ui/events', headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve({ status: res.statusCode!, events });
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push({ at: Date.now(), data: JSON.parse(data.slice(6)) });
          if (events.length === count) {
            req.destroy();
            resolve({ status: 200, events });
          }
        }
      });
    });
    req.on('error', (e) => (events.length >= count ? undefined : reject(e)));
  });
}

describe('gateway developer portal', () => {
  let up: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    if (!existsSync(new URL('../../dist/runtime/ui/index.html', import.meta.url))) throw new Error('dist/runtime/ui is missing: run `npm run build` first');
    up = await startUpstream('alpha');
    gw = await startGateway({
      env,
      config: gatewayConfig([route({ id: 'alpha#0', service: 'alpha', path: '/api/alpha', auth: 'none', rateLimit: { requests: 5, perMs: 1000, by: 'ip', burst: 5 } })], { admin: { tokenEnv: 'ADMIN' } }),
      discovery: discovery({ alpha: [up.port] }),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  it('answers 401 and no data without the admin token', async () => {
    for (const p of ['/_portico/ui', '/_portico/ui/', '/_portico/ui/app.js', '/_portico/ui/events', '/_portico/ui/routes.json']) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-000000000' }, { cookie: 'portico_admin=wrong' }]) {
        const r = await send(gw.port, p, { headers });
        expect(r.status, p).toBe(401);
        expect(r.body).not.toMatch(/alpha|<html/);
      }
    }
  });

  it('serves the page and exactly its files, with types, ETags and gzip', async () => {
    const redirect = await send(gw.port, '/_portico/ui', { headers: admin });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('/_portico/ui/');
    const index = await send(gw.port, '/_portico/ui/', { headers: admin });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.body).toContain('<script type="module" src="app.js">');
    for (const file of UI_ASSET_FILES.filter((f) => f !== 'login.html')) {
      const r = await send(gw.port, `/_portico/ui/${file}`, { headers: admin });
      expect(r.status, file).toBe(200);
      expect(r.headers['content-type'], file).toMatch(file.endsWith('.js') ? /^text\/javascript/ : file.endsWith('.css') ? /^text\/css/ : /^text\/html/);
      const again = await send(gw.port, `/_portico/ui/${file}`, { headers: { ...admin, 'if-none-match': r.headers.etag! } });
      expect(again.status, file).toBe(304);
      expect(again.body).toBe('');
    }
    const zipped = await new Promise<Buffer>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gw.port, path: '/_portico/ui/swagger-ui-bundle.js', headers: { ...admin, 'accept-encoding': 'gzip' }, agent: false }, (res) => {
        expect(res.headers['content-encoding']).toBe('gzip');
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      });
    });
    expect(gunzipSync(zipped).toString('utf8')).toContain('SwaggerUIBundle');
    for (const p of ['/_portico/ui/../gateway.mjs', '/_portico/ui/%2e%2e/gateway.mjs', '/_portico/ui/ui/app.js', '/_portico/ui/app.js.map', '/_portico/ui/login.html', '/_portico/ui/package.json']) {
      expect((await send(gw.port, p, { headers: admin })).status, p).toBe(404);
    }
    expect((await send(gw.port, '/_portico/ui/app.js', { method: 'POST', headers: admin })).status).toBe(405);
  });

  it('logs in with the token (HttpOnly SameSite=Strict cookie), refuses a wrong one, logs out', async () => {
    const page = await send(gw.port, '/_portico/login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/_portico/login/login.js');
    expect((await send(gw.port, '/_portico/login/login.js')).status).toBe(200);
    expect((await send(gw.port, '/_portico/login/app.js')).status).toBe(404);

    const wrong = await send(gw.port, '/_portico/login', { method: 'POST', headers: { authorization: 'Bearer not-the-token-0000' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect((await send(gw.port, '/_portico/login', { method: 'POST' })).status).toBe(401);

    const ok = await send(gw.port, '/_portico/login', { method: 'POST', headers: admin });
    expect(ok.status).toBe(204);
    const cookie = ok.headers['set-cookie']![0];
    expect(cookie).toBe(`portico_admin=${TOKEN}; Path=/_portico; HttpOnly; SameSite=Strict`);
    const withCookie = await send(gw.port, '/_portico/ui/', { headers: { cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);

    const out = await send(gw.port, '/_portico/logout', { method: 'POST' });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']![0]).toMatch(/^portico_admin=; Path=\/_portico; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await send(gw.port, '/_portico/logout')).status).toBe(405);
  });

  it('lists the route table with auth, rate limit, cache and timeouts', async () => {
    const r = await send(gw.port, '/_portico/ui/routes.json', { headers: admin });
    expect(r.status).toBe(200);
    const table = r.json();
    expect(table.routes).toHaveLength(1);
    expect(table.routes[0]).toMatchObject({ id: 'alpha#0', service: 'alpha', path: '/api/alpha', auth: 'none', rateLimit: { requests: 5, perMs: 1000 }, cache: null });
    expect(table.routes[0].timeouts).toEqual({ connectMs: expect.any(Number), headerMs: expect.any(Number), bodyMs: expect.any(Number) });
  });

  it('streams the status on connect and every 2 s: instances, breakers, uptime, config version', async () => {
    const { status, events } = await readEvents(gw.port, admin, 2);
    expect(status).toBe(200);
    const first = events[0].data;
    expect(first).toMatchObject({ project: 'test', routes: 1, config: { version: 1, hash: expect.stringMatching(/^[0-9a-f]{12}$/) } });
    expect(first.upstreams.alpha).toMatchObject({ breaker: 'closed', instances: [expect.stringContaining(`:${up.port}`)] });
    expect(first.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const gap = events[1].at - events[0].at;
    expect(gap).toBeGreaterThan(1500);
    expect(gap).toBeLessThan(3500);
    // The health endpoint carries the same additions.
    expect((await send(gw.port, '/_portico/health')).json().config.hash).toBe(first.config.hash);
  });

  it('ends open streams when the gateway stops instead of waiting for them', async () => {
    const other = await startGateway({ env, config: gatewayConfig([], { admin: { tokenEnv: 'ADMIN' } }), discovery: discovery({}) });
    const ended = new Promise<void>((resolve) => {
      http.get({ host: '127.0.0.1', port: other.port, path: '/_portico/ui/events', headers: admin, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
    });
    await new Promise((r) => setTimeout(r, 200));
    const start = Date.now();
    await other.close();
    await ended;
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
