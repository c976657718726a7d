// WebSocket through the gateway, in process, with a real client and server (`ws`): the upgrade
// goes through the access phase like any request, the upstream's 101 turns both sockets into a
// tunnel (http1/tunnel.ts), and what is not a relayed upgrade (h2c, websocket: false, a non-101
// answer) is answered as plain HTTP.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { AnalyticsDocument } from '../../src/runtime/contract/analytics-api.js';
import { openTunnels } from '../../src/runtime/gateway/http1/tunnel.js';
import { discovery, fixtureScope, gatewayConfig, route, send, sleep, until } from './gateway-helpers.js';

const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

interface EchoServer {
  wss: WebSocketServer;
  port: number;
  /** Close events the server saw: code per connection. */
  closes: number[];
  upgrades: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** A `ws` echo server: text and binary echoed; "close:<code>" makes it close with that code. */
async function echoServer(port = 0): Promise<EchoServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const server: EchoServer = {
    wss,
    port: (wss.address() as AddressInfo).port,
    closes: [],
    upgrades: [],
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on('connection', (ws, req) => {
    server.upgrades.push(req.headers);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text.startsWith('close:')) ws.close(Number(text.slice(6)), 'asked to');
      else ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code) => server.closes.push(code));
  });
  fixtures.onCleanup(() => server.close());
  return server;
}

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    fixtures.trackClient({ destroy: () => ws.terminate() });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })));
  });
}

function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

async function gatewayTo(port: number, routeExtra: Partial<Parameters<typeof route>[0]> = {}, extra: Record<string, unknown> = {}) {
  return fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s', ...routeExtra })], (extra.config as object) ?? {}), discovery: discovery({ s: [port] }), ...(extra.options as object) });
}

describe('WebSocket through the gateway', () => {
  it('echoes text and binary frames, relays close codes, and sends the upgrade headers upstream', async () => {
    const up = await echoServer();
    const gw = await gatewayTo(up.port);
    const ws = await open(`ws://127.0.0.1:${gw.port}/s/chat?room=1`);
    ws.send('hello');
    expect((await next(ws)).data.toString()).toBe('hello');
    const binary = Buffer.from([0, 1, 2, 255, 254, 0]);
    ws.send(binary);
    const got = await next(ws);
    expect(got.isBinary).toBe(true);
    expect(Buffer.compare(got.data, binary)).toBe(0);
    // A large frame crosses many reads each way.
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    ws.send(big);
    expect((await next(ws)).data.length).toBe(big.length);
    expect(up.upgrades[0]['x-request-id']).toBeTruthy();
    expect(up.upgrades[0].upgrade).toBe('websocket');
    const done = closed(ws);
    ws.send('close:4001');
    expect(await done).toEqual({ code: 4001, reason: 'asked to' });
    await until(() => openTunnels() === 0);
  });

  it('relays a close the client starts, with its code', async () => {
    const up = await echoServer();
    const gw = await gatewayTo(up.port);
    const ws = await open(`ws://127.0.0.1:${gw.port}/s/`);
    const done = closed(ws);
    ws.close(4321, 'client done');
    expect((await done).code).toBe(4321);
    await until(() => up.closes.includes(4321));
  });

  it('the upstream sees a client that disappears (no close frame, socket gone)', async () => {
    const up = await echoServer();
    const gw = await gatewayTo(up.port);
    const ws = await open(`ws://127.0.0.1:${gw.port}/s/`);
    ws.send('x');
    await next(ws);
    ws.terminate();
    // 1006: abnormal closure, the connection went away without a close frame.
    await until(() => up.closes.includes(1006));
    await until(() => openTunnels() === 0);
  });

  it('forwards bytes sent right behind the upgrade request, in the same packet', async () => {
    const up = await echoServer();
    const gw = await gatewayTo(up.port);
    const socket = net.connect(gw.port, '127.0.0.1');
    fixtures.trackClient(socket);
    await new Promise((r) => socket.once('connect', r));
    const mask = Buffer.from([1, 2, 3, 4]);
    const payload = Buffer.from('early');
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
    const head = 'GET /s/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), frame]));
    let received = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => (received = Buffer.concat([received, c])));
    await until(() => received.includes(Buffer.from('early')));
    const text = received.toString('latin1');
    expect(text.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    expect(text).toMatch(/\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
    expect(text).toMatch(/\r\nconnection: upgrade\r\n/i);
    expect(text).toMatch(/\r\nupgrade: websocket\r\n/i);
    // The echo: an unmasked text frame "early" right after the head.
    const body = received.subarray(received.indexOf('\r\n\r\n') + 4);
    expect([...body.subarray(0, 2)]).toEqual([0x81, 5]);
    expect(body.subarray(2, 7).toString()).toBe('early');
  });

  it('applies backpressure: a client that stops reading stops the gateway reading the upstream', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    fixtures.onCleanup(() => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }));
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const CAP = 200 * 1024 * 1024;
    let sent = 0;
    let sentWhenBlocked = -1;
    wss.on('connection', (ws) => {
      const pump = (): void => {
        // The upstream's own send buffer fills only when nobody reads its socket: the gateway paused it.
        while (ws.bufferedAmount < 8 * 1024 * 1024 && sent < CAP) {
          ws.send(chunk);
          sent += chunk.length;
        }
        if (ws.bufferedAmount >= 8 * 1024 * 1024 && sentWhenBlocked === -1) sentWhenBlocked = sent;
        if (sentWhenBlocked === -1 && sent < CAP) setTimeout(pump, 5);
      };
      pump();
    });
    const gw = await gatewayTo((wss.address() as AddressInfo).port);
    const socket = net.connect(gw.port, '127.0.0.1');
    fixtures.trackClient(socket);
    let received = 0;
    let headSeen = false;
    socket.on('data', (c: Buffer) => {
      received += c.length;
      if (!headSeen && c.includes('\r\n\r\n')) {
        headSeen = true;
        socket.pause(); // the client stops reading right after the 101
      }
    });
    socket.write('GET /s/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await until(() => sentWhenBlocked !== -1, 10_000);
    // What sits in kernel buffers and the gateway's queues is bounded, far below what was offered.
    expect(sentWhenBlocked).toBeLessThan(64 * 1024 * 1024);
    const gatewayHeld = process.memoryUsage().rss;
    socket.resume();
    await until(() => received >= sentWhenBlocked, 20_000);
    console.log(`[websocket] backpressure: the upstream was blocked after ${(sentWhenBlocked / 2 ** 20).toFixed(0)} MiB offered to a client that did not read (RSS then ${(gatewayHeld / 1e6).toFixed(0)} MB); all of it arrived once the client read`);
  }, 40_000);

  it('runs auth and rate limiting first: no key is a 401 and the upstream never hears of it', async () => {
    const up = await echoServer();
    let upstreamConnections = 0;
    up.wss.on('connection', () => upstreamConnections++);
    const gw = await fixtures.gateway({
      config: gatewayConfig([route({ service: 's', path: '/s', auth: 'required', rateLimit: { requests: 2, perMs: 60_000, by: 'ip', burst: 2 } })], { auth: { apiKeys: [{ name: 'ci', env: 'CI_KEY' }], jwt: null } }),
      discovery: discovery({ s: [up.port] }),
      env: { CI_KEY: 'ws-test-key-0123456789' },
    });
    await expect(open(`ws://127.0.0.1:${gw.port}/s/`)).rejects.toMatchObject({ status: 401 });
    const ws = await open(`ws://127.0.0.1:${gw.port}/s/`, { 'x-api-key': 'ws-test-key-0123456789' });
    ws.send('ok');
    expect((await next(ws)).data.toString()).toBe('ok');
    expect(upstreamConnections).toBe(1);
    await open(`ws://127.0.0.1:${gw.port}/s/`, { 'x-api-key': 'ws-test-key-0123456789' });
    await expect(open(`ws://127.0.0.1:${gw.port}/s/`, { 'x-api-key': 'ws-test-key-0123456789' })).rejects.toMatchObject({ status: 429 });
    expect(upstreamConnections).toBe(2);
  });

  it('refuses upgrades on a route with websocket: false (400), and the route still serves HTTP', async () => {
    const up = await echoServer();
    let upstreamConnections = 0;
    up.wss.on('connection', () => upstreamConnections++);
    const gw = await gatewayTo(up.port, { websocket: null });
    const refused = await send(gw.port, '/s/', { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } });
    expect(refused.status).toBe(400);
    expect(refused.json().message).toMatch(/websocket: false/);
    expect(upstreamConnections).toBe(0);
    // Plain HTTP goes through (the ws server answers it 426 itself).
    expect((await send(gw.port, '/s/')).status).toBe(426);
  });

  it('relays a non-101 answer to an upgrade as a normal response, on a connection that stays usable', async () => {
    const upstream = await fixtures.upstream('s', (_req, res) => {
      res.statusCode = 403;
      res.end('no sockets here');
    });
    const gw = await gatewayTo(upstream.port);
    await expect(open(`ws://127.0.0.1:${gw.port}/s/`)).rejects.toMatchObject({ status: 403 });
    expect(upstream.requests[0].headers.upgrade).toBe('websocket');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    fixtures.onCleanup(() => agent.destroy());
    const first = await send(gw.port, '/s/', { agent, headers: { connection: 'Upgrade', upgrade: 'websocket' } });
    expect(first.status).toBe(403);
    expect(first.body).toBe('no sockets here');
    const second = await send(gw.port, '/s/plain', { agent });
    expect(second.status).toBe(403);
  });

  it('answers an h2c upgrade as the plain HTTP/1.1 request it also is (Upgrade dropped)', async () => {
    const upstream = await fixtures.upstream('s');
    const gw = await gatewayTo(upstream.port);
    const reply = await send(gw.port, '/s/x', { headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA' } });
    expect(reply.status).toBe(200);
    const seen = upstream.requests[0].headers;
    expect(seen.upgrade).toBeUndefined();
    expect(seen['http2-settings']).toBeUndefined();
    expect(seen.connection ?? '').not.toMatch(/upgrade/i);
  });

  it('closes a tunnel idle for longer than the route allows', async () => {
    const up = await echoServer();
    const gw = await gatewayTo(up.port, { websocket: { idleTimeoutMs: 1_200 } });
    const ws = await open(`ws://127.0.0.1:${gw.port}/s/`);
    const t0 = Date.now();
    const done = closed(ws);
    ws.send('one');
    await next(ws);
    const { code } = await done;
    expect(code).toBe(1006);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_200);
    expect(Date.now() - t0).toBeLessThan(4_000);
  });

  it('drops tunnels cleanly when the upstream restarts, and new ones work afterwards', async () => {
    const up = await echoServer();
    const port = up.port;
    const gw = await gatewayTo(port);
    const sockets = await Promise.all([1, 2, 3].map(() => open(`ws://127.0.0.1:${gw.port}/s/`)));
    const closes = sockets.map(closed);
    await up.close();
    for (const c of await Promise.all(closes)) expect(c.code).toBe(1006);
    await until(() => openTunnels() === 0);
    // While down: the upgrade is a 502 like any request.
    await expect(open(`ws://127.0.0.1:${gw.port}/s/`)).rejects.toMatchObject({ status: 502 });
    await echoServer(port);
    await sleep(50);
    let ws: WebSocket | null = null;
    await until(async () => {
      ws = await open(`ws://127.0.0.1:${gw.port}/s/`);
      return true;
    }, 15_000);
    ws!.send('back');
    expect((await next(ws!)).data.toString()).toBe('back');
  });

  it('counts tunnels in metrics and analytics: open now, bytes each way and duration once closed', async () => {
    const up = await echoServer();
    const admin = { authorization: 'Bearer admin-token-for-tests-0123456789' };
    const gw = await gatewayTo(up.port, {}, { config: { admin: { tokenEnv: 'ADMIN' }, analytics: { enabled: true } }, options: { metrics: true, env: { ADMIN: 'admin-token-for-tests-0123456789' } } });
    const tunnels = async (query = '') => {
      const doc: AnalyticsDocument = (await send(gw.port, `/_portico/analytics?window=5m${query}`, { headers: admin })).json();
      return doc;
    };
    const ws = await open(`ws://127.0.0.1:${gw.port}/s/`);
    ws.send('12345');
    await next(ws);
    let text = (await send(gw.port, '/_portico/metrics')).body;
    expect(text).toContain('portico_gateway_websocket_connections{route="s#0",service="s"} 1');
    expect(text).toMatch(/portico_gateway_requests_total\{route="s#0",service="s",status="101"\} 1/);
    let doc = await tunnels();
    expect(doc.totals.tunnels).toMatchObject({ upgrades: 1, open: 1, closed: 0, bytesIn: 0, bytesOut: 0 });
    expect(doc.groups.find((g) => g.key === 's#0')).toMatchObject({ requests: 1, statusClasses: { '1xx': 1 }, tunnels: { upgrades: 1, open: 1 } });
    // A second tunnel, closed by the upstream right away.
    const second = await open(`ws://127.0.0.1:${gw.port}/s/`);
    const secondClosed = closed(second);
    second.send('close:1000');
    await secondClosed;
    const done = closed(ws);
    ws.close(1000);
    await done;
    await until(() => openTunnels() === 0);
    text = (await send(gw.port, '/_portico/metrics')).body;
    expect(text).toContain('portico_gateway_websocket_connections{route="s#0",service="s"} 0');
    // First tunnel: 5-byte text frame + close frame from the client (masked: 6 + 5 and 6 + 2),
    // echo + close back (2 + 5, 2 + 2). Second: "close:1000" (6 + 10) and the client's close reply,
    // which echoes code and reason (6 + 2 + 8); the upstream's close frame (2 + 2 + "asked to").
    expect(text).toContain('portico_gateway_websocket_bytes_total{route="s#0",service="s",direction="client_to_upstream"} 51');
    expect(text).toContain('portico_gateway_websocket_bytes_total{route="s#0",service="s",direction="upstream_to_client"} 23');
    expect(text).toMatch(/portico_gateway_websocket_duration_seconds_count\{route="s#0",service="s"\} 2/);
    // Analytics has the same numbers, by route and by consumer (anonymous: the route needs no key).
    doc = await tunnels();
    expect(doc.totals.tunnels).toMatchObject({ upgrades: 2, open: 0, closed: 2, bytesIn: 51, bytesOut: 23 });
    expect(doc.totals.tunnels.durationMs.max).toBeGreaterThan(0);
    expect(doc.totals.tunnels.durationMs.p50).toBeLessThanOrEqual(doc.totals.tunnels.durationMs.max);
    expect((await tunnels('&by=consumer')).groups.map((g) => [g.key, g.tunnels.upgrades, g.tunnels.closed])).toEqual([['anonymous', 2, 2]]);
  });

  it('holds 1,000 concurrent tunnels: every one echoes, then all close', async () => {
    const up = await echoServer();
    const gw = await gatewayTo(up.port);
    const N = 1_000;
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const sockets: WebSocket[] = [];
    // Opened in batches so the test stays within the machine's accept backlog.
    for (let i = 0; i < N; i += 100) sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => open(`ws://127.0.0.1:${gw.port}/s/`)))));
    const openMs = performance.now() - t0;
    expect(openTunnels()).toBe(N);
    const t1 = performance.now();
    const echoes = await Promise.all(
      sockets.map((ws, i) => {
        const p = next(ws);
        ws.send(`msg-${i}`);
        return p.then((m) => m.data.toString() === `msg-${i}`);
      }),
    );
    const echoMs = performance.now() - t1;
    expect(echoes.every(Boolean)).toBe(true);
    const rssOpen = process.memoryUsage().rss;
    const closes = sockets.map(closed);
    for (const ws of sockets) ws.close(1000);
    const codes = await Promise.all(closes);
    expect(codes.every((c) => c.code === 1000)).toBe(true);
    await until(() => openTunnels() === 0 && up.closes.length === N, 15_000);
    console.log(`[websocket] ${N} tunnels: opened in ${openMs.toFixed(0)} ms, all echoed in ${echoMs.toFixed(0)} ms; test process RSS ${(rssBefore / 1e6).toFixed(0)} MB before, ${(rssOpen / 1e6).toFixed(0)} MB with all open (gateway, clients and server in one process)`);
  }, 60_000);
});
