// The gateway's own HTTP/1.1 data plane end to end (src/runtime/gateway/http1): a real gateway,
// real upstreams on 127.0.0.1 (Node http servers, and raw net servers where an upstream has to
// misbehave or speak HTTP/1.0), and raw client sockets where the wire format itself is what is
// being checked: pipelining, HTTP/1.0, HEAD/204/304, chunked relaying both ways,
// 100-continue, client aborts, stale upstream keep-alive, connection reuse, idle and header
// timeouts, and request smuggling.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixtureScope, rawRequest, send, sleep, until, type RunningGateway, type Upstream } from './gateway-helpers.js';
import { prng } from '../helpers/prng.mjs';
import { parseResponses, RawClient, rawUpstream, targetOf } from './gateway-raw-helpers.js';

const TEST_MS = 5_000;

// ---------------------------------------------------------------- helpers

const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());


/** `n` bytes of printable, position-dependent text (a shifted or truncated copy never matches). */
function payload(n: number, seed = 1): Buffer {
  const rnd = prng(seed);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = 33 + Math.floor(rnd() * 94);
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------- shared gateway

/** Echo upstream with a few special paths; `?delay=ms` delays the answer. */
function mainHandler(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const url = new URL(req.url!, 'http://upstream');
  const go = (): void => {
    switch (url.pathname) {
      case '/nocontent':
        res.statusCode = 204;
        res.end();
        return;
      case '/notmodified':
        res.statusCode = 304;
        res.setHeader('etag', '"v1"');
        res.end();
        return;
      case '/streamed':
        // No Content-Length: Node sends this chunked.
        res.setHeader('content-type', 'text/plain');
        res.write('part-one;');
        setTimeout(() => res.end('part-two'), 20);
        return;
      default:
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    }
  };
  const delay = Number(url.searchParams.get('delay') ?? 0);
  if (delay > 0) setTimeout(go, delay);
  else go();
}

describe('gateway HTTP/1.1 data plane', { timeout: TEST_MS }, () => {
  let up: Upstream;
  let gw: RunningGateway;

  // Lives for the whole suite; each test's client connections are still closed by `fixtures`.
  const suite = fixtureScope();

  beforeAll(async () => {
    up = await suite.upstream('u', mainHandler);
    gw = await suite.gatewayFor(up.port);
  });
  afterAll(() => suite.closeAll());

  const seen = (path: string): { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] =>
    up.requests.filter((r) => new URL(r.url, 'http://u').pathname === path);

  describe('connection handling', () => {
    it('answers pipelined requests on one connection in order, even when the first is the slowest', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write(
        'GET /s/pipe-one?delay=150 HTTP/1.1\r\nHost: a\r\n\r\n' +
          'GET /s/pipe-two HTTP/1.1\r\nHost: a\r\n\r\n' +
          'POST /s/pipe-three HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
          'GET /s/pipe-four HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      const rs = await c.responses(4);
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(rs.map((r) => new URL(JSON.parse(r.text).url, 'http://u').pathname)).toEqual(['/pipe-one', '/pipe-two', '/pipe-three', '/pipe-four']);
      expect(JSON.parse(rs[2].text)).toMatchObject({ method: 'POST', body: 'hello' });
      expect(rs[3].headers.connection).toBe('close');
      await c.waitClosed();
      expect(parseResponses(c.data).rest).toBe(0);
    });

    it('answers pipelined requests behind a streamed (chunked) answer, and none after Connection: close', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write(
        'GET /s/streamed HTTP/1.1\r\nHost: a\r\n\r\n' +
          'GET /s/pipe-close HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' +
          'GET /s/pipe-after-close HTTP/1.1\r\nHost: a\r\n\r\n',
      );
      await c.waitClosed();
      const { responses, rest } = parseResponses(c.data, { closed: true });
      expect(rest).toBe(0);
      expect(responses).toHaveLength(2);
      expect(responses[0].headers['transfer-encoding']).toBe('chunked');
      expect(responses[0].text).toBe('part-one;part-two');
      expect(JSON.parse(responses[1].text).url).toBe('/pipe-close');
      expect(responses[1].headers.connection).toBe('close');
      await sleep(50);
      expect(seen('/pipe-after-close')).toEqual([]);
    });

    it('splits a chunked request from the pipelined request after it exactly at the last chunk', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write(
        'POST /s/pipe-chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n' +
          'GET /s/pipe-after-chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      const rs = await c.responses(2);
      expect(JSON.parse(rs[0].text)).toMatchObject({ method: 'POST', url: '/pipe-chunked', body: 'hello world' });
      expect(JSON.parse(rs[1].text)).toMatchObject({ method: 'GET', url: '/pipe-after-chunked', body: '' });
    });

    it('HTTP/1.0 without keep-alive: connection: close, Content-Length body, then the gateway closes', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write('GET /s/old-cl HTTP/1.0\r\n\r\n');
      await c.waitClosed();
      const { responses, rest } = parseResponses(c.data, { closed: true });
      expect(responses).toHaveLength(1);
      expect(rest).toBe(0);
      const r = responses[0];
      expect(r.status).toBe(200);
      expect(r.headers.connection).toBe('close');
      expect(r.headers['transfer-encoding']).toBeUndefined();
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
      expect(JSON.parse(r.text)).toMatchObject({ method: 'GET', url: '/old-cl' });
    });

    it('HTTP/1.0 without keep-alive: an upstream answer without length is sent close-delimited (never chunked)', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write('GET /s/streamed HTTP/1.0\r\nHost: a\r\n\r\n');
      await c.waitClosed();
      const { responses } = parseResponses(c.data, { closed: true });
      expect(responses).toHaveLength(1);
      const r = responses[0];
      expect(r.status).toBe(200);
      expect(r.headers.connection).toBe('close');
      expect(r.headers['transfer-encoding']).toBeUndefined();
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.text).toBe('part-one;part-two');
    });

    it('HTTP/1.0 with Connection: keep-alive keeps the connection for the next request', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write('GET /s/old-ka-1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const [first] = await c.responses(1);
      expect(first.status).toBe(200);
      expect(first.headers.connection).toBe('keep-alive');
      expect(first.headers['transfer-encoding']).toBeUndefined();
      expect(Number(first.headers['content-length'])).toBe(first.body.length);
      expect(JSON.parse(first.text).url).toBe('/old-ka-1');
      await sleep(50);
      expect(c.closed).toBe(false);
      c.write('GET /s/old-ka-2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const rs = await c.responses(2);
      expect(JSON.parse(rs[1].text).url).toBe('/old-ka-2');
      expect(rs[1].headers.connection).toBe('keep-alive');
      // An answer without length can only be close-delimited for HTTP/1.0: then the connection closes.
      c.write('GET /s/streamed HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      await c.waitClosed();
      const all = parseResponses(c.data, { closed: true }).responses;
      expect(all).toHaveLength(3);
      expect(all[2].headers.connection).toBe('close');
      expect(all[2].text).toBe('part-one;part-two');
    });

    it('sends no body after the head of a HEAD answer (the next pipelined answer follows at once)', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write(
        'HEAD /s/head-json HTTP/1.1\r\nHost: a\r\n\r\n' +
          'HEAD /s/streamed HTTP/1.1\r\nHost: a\r\n\r\n' +
          'GET /s/after-head HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      // The parser treats the first two as bodiless: any body byte would make the third unparsable.
      const rs = await c.responses(3, { head: [true, true, false] });
      expect(rs[0].status).toBe(200);
      expect(rs[1].status).toBe(200);
      expect(JSON.parse(rs[2].text)).toMatchObject({ method: 'GET', url: '/after-head' });
      await c.waitClosed();
      expect(parseResponses(c.data, { head: [true, true, false], closed: true }).rest).toBe(0);
      expect(seen('/head-json').map((r) => r.method)).toEqual(['HEAD']);
    });

    it('passes 204 and 304 through without a body or body framing', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write(
        'GET /s/nocontent HTTP/1.1\r\nHost: a\r\n\r\n' +
          'GET /s/notmodified HTTP/1.1\r\nHost: a\r\nIf-None-Match: "v1"\r\n\r\n' +
          'GET /s/after-304 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      );
      const rs = await c.responses(3);
      expect(rs[0].status).toBe(204);
      expect(rs[0].headers['transfer-encoding']).toBeUndefined();
      expect(rs[1].status).toBe(304);
      expect(rs[1].headers.etag).toBe('"v1"');
      expect(rs[1].headers['transfer-encoding']).toBeUndefined();
      expect(JSON.parse(rs[2].text).url).toBe('/after-304');
      await c.waitClosed();
      expect(parseResponses(c.data, { closed: true }).rest).toBe(0);
    });
  });

  describe('request bodies', () => {
    it('decodes a chunked request body (extensions, trailers, odd TCP splits) and the upstream gets it intact', async () => {
      const body = payload(200_000, 7);
      let wire = '';
      const rnd = prng(99);
      let at = 0;
      while (at < body.length) {
        const size = Math.min(body.length - at, 1 + Math.floor(rnd() * 5000));
        wire += `${size.toString(16)}${at % 3 === 0 ? ';ext=1' : ''}\r\n${body.toString('latin1', at, at + size)}\r\n`;
        at += size;
      }
      wire += '0\r\nX-Checksum: whatever\r\n\r\n';
      const c = await RawClient.open(fixtures, gw.port);
      c.write('POST /s/chunked-in HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
      const bytes = Buffer.from(wire, 'latin1');
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(rnd() * 30_000);
        c.write(bytes.subarray(i, i + n));
        i += n;
        if (rnd() < 0.3) await sleep(2);
      }
      const [r] = await c.responses(1);
      expect(r.status).toBe(200);
      const [got] = seen('/chunked-in');
      expect(got.body.length).toBe(body.length);
      expect(sha(Buffer.from(got.body, 'latin1'))).toBe(sha(body));
      expect(got.headers['transfer-encoding']).toBe('chunked');
      expect(got.headers['content-length']).toBeUndefined();
      expect(got.headers['x-checksum']).toBeUndefined();
    });

    it('answers Expect: 100-continue before the body is sent, then forwards the body', async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write('POST /s/continue HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
      await c.waitFor(() => c.text.includes('\r\n\r\n'), 2_000, '100 Continue');
      expect(c.text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
      c.write('hello world');
      const [r] = await c.responses(1);
      expect(r.status).toBe(200);
      const echoed = JSON.parse(r.text);
      expect(echoed.body).toBe('hello world');
      expect(echoed.headers.expect).toBeUndefined();
    });

    it('assembles a Content-Length body sent in several delayed TCP writes (head split too)', async () => {
      const body = 'abcdefghij' + '0123456789' + 'KLMNOPQRST' + 'uvwxyz';
      const c = await RawClient.open(fixtures, gw.port);
      c.write('POST /s/split HTTP/1.1\r\nHo');
      await sleep(40);
      c.write(`st: a\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r`);
      await sleep(40);
      c.write('\n' + body.slice(0, 1));
      for (let i = 1; i < body.length; i += 7) {
        await sleep(30);
        c.write(body.slice(i, i + 7));
      }
      const [r] = await c.responses(1);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toMatchObject({ method: 'POST', url: '/split', body });
      const [got] = seen('/split');
      expect(got.body).toBe(body);
      expect(got.headers['content-length']).toBe(String(body.length));
    });
  });

  describe('request smuggling', () => {
    const smuggled = 'GET /s/smuggled HTTP/1.1\r\nHost: a\r\n\r\n';
    it('stops reading from a connection it refused: what the client keeps sending is not buffered', async () => {
      // A client that ignores the 400 and keeps its side open, streaming bytes. A gateway that
      // keeps reading (and buffering) them can be made to hold unbounded memory per connection.
      const socket = net.connect({ port: gw.port, host: '127.0.0.1', allowHalfOpen: true });
      fixtures.onCleanup(() => void socket.destroy());
      socket.on('error', () => {});
      let reply = '';
      socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST /s/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n');
      await until(() => reply.includes('\r\n\r\n'), 2_000);
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      const junk = Buffer.alloc(64 * 1024, 0x41);
      let written = 0;
      const deadline = Date.now() + 1_500;
      while (Date.now() < deadline && !socket.destroyed) {
        if (!socket.write(junk)) {
          await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), sleep(100)]);
        }
        written += junk.length;
      }
      // Bytes the peer took off the client: kernel socket buffers hold a few MB at most if
      // the gateway stopped reading (or reset the connection).
      const accepted = written - socket.writableLength;
      expect(accepted, `the gateway accepted ${(accepted / 1048576).toFixed(1)} MB after refusing the request`).toBeLessThan(12 * 1024 * 1024);
    });

    it.each([
      ['CL then TE', 400, 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['TE then CL covering the next request', 400, `Transfer-Encoding: chunked\r\nContent-Length: ${5 + smuggled.length}\r\n\r\n0\r\n\r\n`],
      ['TE repeated', 400, 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n'],
      ['TE with space before the colon', 400, 'Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n'],
      ['TE folded onto the next line', 400, 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n identity\r\n\r\n0\r\n\r\n'],
      ['TE not chunked', 501, 'Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'],
      ['two Content-Lengths', 400, `Content-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n`],
      ['bare LF header', 400, 'Content-Length: 0\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ])('%s: answers %i, closes, and neither request reaches the upstream', async (_label, status, framing) => {
      const before = up.requests.length;
      const started = Date.now();
      const response = await rawRequest(gw.port, `POST /s/smuggle-carrier HTTP/1.1\r\nHost: a\r\n${framing}${smuggled}`, 2_000);
      expect(response.slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
      expect(Date.now() - started).toBeLessThan(1_500); // closed by the gateway, not by rawRequest's timer
      // Exactly one answer: the smuggled request was not answered either.
      expect(response.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
      await sleep(100);
      expect(up.requests.length).toBe(before);
      expect(seen('/smuggled')).toEqual([]);
      expect(seen('/smuggle-carrier')).toEqual([]);
    });
  });
});

describe('gateway HTTP/1.1 upstream side', { timeout: TEST_MS }, () => {
  it('relays a large multi-chunk chunked answer re-chunked and intact, and reuses the upstream connection', async () => {
    const body = payload(1_500_000, 3);
    const up = await rawUpstream(fixtures, (socket, req) => {
      if (targetOf(req) !== '/big') {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
        return;
      }
      // Chunks of irregular sizes with extensions and a trailer, written in TCP pieces that cut
      // through size lines, data and CRLFs alike.
      const rnd = prng(5);
      const parts: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n')];
      for (let at = 0; at < body.length; ) {
        const size = Math.min(body.length - at, 1 + Math.floor(rnd() * 40_000));
        parts.push(Buffer.from(`${size.toString(16)}${rnd() < 0.2 ? ';x=y' : ''}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
        at += size;
      }
      parts.push(Buffer.from('0\r\nX-Trailer: t\r\n\r\n'));
      const wire = Buffer.concat(parts);
      let i = 0;
      const pump = (): void => {
        if (socket.destroyed) return;
        for (let k = 0; k < 4 && i < wire.length; k++) {
          const n = 1 + Math.floor(rnd() * 50_000);
          socket.write(wire.subarray(i, i + n));
          i += n;
        }
        if (i < wire.length) setImmediate(pump);
      };
      pump();
    });
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/big HTTP/1.1\r\nHost: a\r\n\r\n');
    const [r] = await c.responses(1, { ms: 4_000 });
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.headers['x-trailer']).toBeUndefined();
    expect(r.body.length).toBe(body.length);
    expect(sha(r.body)).toBe(sha(body));
    expect(r.chunks).toBeGreaterThan(1);
    // The decoder stopped exactly at the end of the chunked body: the connection is reused.
    c.write('GET /s/again HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const rs = await c.responses(2);
    expect(rs[1].text).toBe('next');
    expect(up.connections).toBe(1);
    expect(up.requests.map((q) => [q.conn, targetOf(q)])).toEqual([
      [0, '/big'],
      [0, '/again'],
    ]);
  });

  it('relays an HTTP/1.0 close-delimited answer completely', async () => {
    const body = payload(300_000, 11);
    const up = await rawUpstream(fixtures, (socket) => {
      socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      let at = 0;
      const pump = (): void => {
        if (socket.destroyed) return;
        if (at >= body.length) {
          socket.end();
          return;
        }
        socket.write(body.subarray(at, at + 7_000));
        at += 7_000;
        setTimeout(pump, at % 70_000 === 0 ? 5 : 0);
      };
      pump();
    });
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/old HTTP/1.1\r\nHost: a\r\n\r\n');
    const [r] = await c.responses(1, { ms: 4_000 });
    expect(r.status).toBe(200);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body.length).toBe(body.length);
    expect(sha(r.body)).toBe(sha(body));
    // The client connection stays usable; the upstream connection could not be reused.
    c.write('GET /s/old2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const rs = await c.responses(2, { ms: 4_000 });
    expect(sha(rs[1].body)).toBe(sha(body));
    expect(up.connections).toBe(2);
  });

  it.each([
    ['Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
    ['a malformed status line', 'HTTP/1.1 2000 OK\r\nContent-Length: 5\r\n\r\nhello'],
  ])('answers 502 to an upstream response with %s', async (_label, answer) => {
    const up = await rawUpstream(fixtures, (socket) => socket.write(answer));
    const gw = await fixtures.gatewayFor(up.port);
    const r = await send(gw.port, '/s/ambiguous');
    expect(r.status).toBe(502);
    expect(r.json()).toMatchObject({ error: 'bad_gateway', route: 's#0' });
    expect(r.body).not.toContain('hello');
  });

  it('cuts the client connection (never a complete-looking answer) when the upstream chunked body is malformed', async () => {
    const up = await rawUpstream(fixtures, (socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n'));
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/bad-chunks HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.waitClosed(3_000);
    // The head and "hello" may have been relayed, but never the terminating chunk.
    expect(parseResponses(c.data, { closed: true }).responses).toEqual([]);
    expect(c.text).not.toContain('world');
  });

  async function abortScenario(how: 'destroy' | 'half-close'): Promise<void> {
    let upstreamClosed!: (early: boolean) => void;
    const closedEarly = new Promise<boolean>((resolve) => (upstreamClosed = resolve));
    let writes = 0;
    const up = await fixtures.upstream('slow', (req, res) => {
      if (req.url !== '/stream') {
        res.end('quick');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      const timer = setInterval(() => {
        writes++;
        res.write('more;');
        if (writes >= 200) {
          clearInterval(timer);
          res.end('end');
        }
      }, 20);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed(!res.writableFinished);
      });
    });
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/stream HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.waitFor(() => c.text.includes('first;'), 2_000, 'the first body bytes');
    const at = Date.now();
    if (how === 'destroy') c.destroy();
    else c.socket.end();
    const early = await Promise.race([closedEarly, sleep(2_000).then(() => 'timeout' as const)]);
    expect(early, 'the upstream response was not aborted').toBe(true);
    expect(Date.now() - at).toBeLessThan(1_000);
    expect(writes).toBeLessThan(200);
    // The gateway is still fine.
    const r = await send(gw.port, '/s/after-abort');
    expect(r.status).toBe(200);
    expect(r.body).toBe('quick');
  }

  it('aborts the upstream request when the client destroys its connection mid-response', async () => {
    await abortScenario('destroy');
  });

  it('aborts the upstream request when the client half-closes mid-response', async () => {
    await abortScenario('half-close');
  });

  it('stale keep-alive: an upstream that closes each connection right after answering does not fail GETs', async () => {
    const up = await rawUpstream(fixtures, (socket, req) => {
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${targetOf(req).length}\r\n\r\n${targetOf(req)}`);
    });
    const gw = await fixtures.gatewayFor(up.port);
    for (let i = 0; i < 6; i++) {
      const r = await send(gw.port, `/s/n${i}`);
      expect(r.status, `request ${i}: ${r.body}`).toBe(200);
      expect(r.body).toBe(`/n${i}`);
      if (i % 2 === 1) await sleep(30);
    }
    expect(up.connections).toBe(6);
  });

  it('stale keep-alive: a GET sent on a connection the upstream closes without answering is retried on a fresh one', async () => {
    // Each connection answers its first request (keep-alive) and closes when a second arrives:
    // exactly the race of an upstream closing an idle connection as the gateway reuses it.
    const up = await rawUpstream(fixtures, (socket, req) => {
      if (req.index > 0) {
        socket.destroy();
        return;
      }
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${targetOf(req).length}\r\n\r\n${targetOf(req)}`);
    });
    const gw = await fixtures.gatewayFor(up.port);
    for (let i = 0; i < 4; i++) {
      const r = await send(gw.port, `/s/g${i}`);
      expect(r.status, `request ${i}: ${r.body}`).toBe(200);
      expect(r.body).toBe(`/g${i}`);
    }
    // g0 on conn 0; each later GET first hit the previous (stale) connection, then a fresh one.
    expect(up.requests.map((q) => [q.conn, q.index, targetOf(q)])).toEqual([
      [0, 0, '/g0'],
      [0, 1, '/g1'],
      [1, 0, '/g1'],
      [1, 1, '/g2'],
      [2, 0, '/g2'],
      [2, 1, '/g3'],
      [3, 0, '/g3'],
    ]);
  });

  it('stale keep-alive: a POST with a body is not replayed on a fresh connection', async () => {
    const up = await rawUpstream(fixtures, (socket, req) => {
      if (req.index > 0) {
        socket.destroy();
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const gw = await fixtures.gatewayFor(up.port);
    expect((await send(gw.port, '/s/warm')).status).toBe(200);
    const r = await send(gw.port, '/s/order', { method: 'POST', body: 'pay once' });
    expect(r.status).toBe(502);
    expect(up.requests.filter((q) => targetOf(q) === '/order').map((q) => q.body.toString())).toEqual(['pay once']);
  });

  it('reuses one upstream connection for 20 sequential requests', async () => {
    const up = await fixtures.upstream('reuse');
    const gw = await fixtures.gatewayFor(up.port);
    for (let i = 0; i < 20; i++) {
      const r = await send(gw.port, `/s/r${i}`);
      expect(r.status).toBe(200);
      expect(r.json().url).toBe(`/r${i}`);
    }
    expect(up.requests).toHaveLength(20);
    expect(up.connections).toBe(1);
  });
});

describe('gateway HTTP/1.1 client timeouts', { timeout: TEST_MS }, () => {
  it('closes an idle keep-alive client connection after serverTimeouts.keepAliveMs', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gatewayFor(up.port, { serverTimeouts: { keepAliveMs: 300 } });
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/idle-1 HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.responses(1);
    // Well inside the idle limit the connection still serves requests.
    await sleep(150);
    expect(c.closed).toBe(false);
    c.write('GET /s/idle-2 HTTP/1.1\r\nHost: a\r\n\r\n');
    const rs = await c.responses(2);
    const answeredAt = Date.now();
    expect(JSON.parse(rs[1].text).url).toBe('/idle-2');
    expect(rs[1].headers.connection).toBeUndefined();
    await c.waitClosed(3_000);
    const idle = c.closedAt - answeredAt;
    expect(idle).toBeGreaterThanOrEqual(250);
    expect(idle).toBeLessThan(2_500);
    expect(parseResponses(c.data).rest).toBe(0); // closed quietly, nothing else sent
  });

  it('answers 408 (or closes) when the request head arrives too slowly', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gatewayFor(up.port, { serverTimeouts: { headersMs: 500 } });
    const c = await RawClient.open(fixtures, gw.port);
    const started = Date.now();
    c.write('GET /s/slow-head HTTP/1.1\r\nHost: a\r\n');
    await c.waitClosed(3_000);
    const after = c.closedAt - started;
    expect(after).toBeGreaterThanOrEqual(450);
    expect(after).toBeLessThan(2_000);
    if (c.data.length > 0) expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(up.requests).toHaveLength(0);
  });

  it('applies the headers timeout to the second request on a keep-alive connection too', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gatewayFor(up.port, { serverTimeouts: { headersMs: 500, keepAliveMs: 4_000 } });
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/first HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.responses(1);
    const firstLength = c.data.length;
    const started = Date.now();
    c.write('GET /s/second HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n');
    await c.waitClosed(3_000);
    expect(c.closedAt - started).toBeLessThan(2_000);
    const rest = c.data.subarray(firstLength).toString('latin1');
    if (rest.length > 0) expect(rest).toMatch(/^HTTP\/1\.1 408 /);
    expect(up.requests.map((r) => r.url)).toEqual(['/first']);
  });
});
