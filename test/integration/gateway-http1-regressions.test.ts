// Regression tests for defects a review found in the gateway's own HTTP/1.1 data plane
// (src/runtime/gateway/http1/*, exchange.ts), one block per finding: request smuggling via a
// Connection-listed Content-Length, a keep-alive connection stuck after a backpressured body,
// slow uploads counted as upstream timeouts (and tripping the breaker), unbounded buffering of
// leading blank lines, no backpressure against a pipelining client that does not read, a
// bodiless POST replayed after a stale upstream connection, slow bodies (408), unknown
// expectations (417), and chunked HTTP/1.0 requests keeping the connection.
// Everything on 127.0.0.1, real sockets, bounded waits.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureScope, rawRequest, send, sleep, until } from './gateway-helpers.js';
import { parseResponses, RawClient, rawUpstream, requestLine, targetOf, type RawUpstreamRequest } from './gateway-raw-helpers.js';

const TEST_MS = 5_000;

// ---------------------------------------------------------------- helpers

const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

/** Resolves true on 'drain', false after `ms`. */
function drainOrTimeout(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (drained: boolean): void => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(drained);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), Math.max(0, ms));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/** Every Content-Length line of a raw head, as sent. */
const contentLengthLines = (head: string): string[] => head.split('\r\n').filter((l) => /^content-length\s*:/i.test(l));

const ok = (socket: net.Socket, text = 'ok'): void => void socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`);

// ---------------------------------------------------------------- 1. framing and smuggling

describe('1. request framing is written by the gateway', { timeout: TEST_MS }, () => {
  it('Connection: content-length cannot strip the framing: the upstream gets one POST whose body is the smuggled text', async () => {
    const up = await rawUpstream(fixtures, (socket) => ok(socket));
    const gw = await fixtures.gatewayFor(up.port);
    const smuggled = 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n';
    expect(smuggled.length).toBe(32);
    const c = await RawClient.open(fixtures, gw.port);
    c.write(`POST /s/a HTTP/1.1\r\nHost: x\r\nConnection: content-length\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`);
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    // Give a smuggled second request time to arrive (and be answered) if it was going to.
    await sleep(150);
    expect(up.requests.map(requestLine)).toEqual(['POST /a HTTP/1.1']);
    expect(up.requests[0].body.toString('latin1')).toBe(smuggled);
    expect(contentLengthLines(up.requests[0].head).map((l) => l.toLowerCase().replace(/\s+/g, ''))).toEqual(['content-length:32']);
    // The upstream connection carried exactly the head and the 32 body bytes, nothing else.
    const received = Buffer.concat(up.received).toString('latin1');
    expect(received.length).toBe(up.requests[0].head.length + 4 + 32);
    expect(received.match(/GET \/admin/g)).toHaveLength(1); // once, inside the body
    // And the client saw a single answer.
    expect(parseResponses(c.data).responses).toHaveLength(1);
  });

  it.each([
    ['a list of equal values', 'Content-Length: 5, 5\r\n'],
    ['a repeated identical header', 'Content-Length: 5\r\nContent-Length: 5\r\n'],
  ])('Content-Length as %s is refused with 400, as llhttp refuses it (issue 15), and nothing is forwarded', async (_label, framing) => {
    const up = await rawUpstream(fixtures, (socket) => ok(socket));
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write(`POST /s/cl HTTP/1.1\r\nHost: x\r\n${framing}\r\nhello`);
    const [r] = await c.responses(1);
    expect(r.status).toBe(400);
    await c.waitClosed();
    expect(up.requests).toHaveLength(0);
  });
});

// ---------------------------------------------------------------- 2. backpressured body, keep-alive

describe('2. a keep-alive connection after a body that met upstream backpressure', { timeout: TEST_MS }, () => {
  it('answers the next request on the same connection promptly after a ~100 KB POST', async () => {
    const up = await fixtures.upstream('u', (_req, res, body) => res.end(`got ${body.length}`));
    // keepAliveMs is the default (5 s): a stuck connection would only be noticed when it closes.
    const gw = await fixtures.gatewayFor(up.port, { serverTimeouts: { keepAliveMs: 5_000 } });
    const c = await RawClient.open(fixtures, gw.port);
    let answered = 0;
    for (const [round, size] of [100_000, 100_000, 300_000].entries()) {
      // Head and body in one write: the gateway reads 64 KB pieces, each more than the upstream
      // socket's high-water mark, so the body ends in a read whose upstream write returned false.
      c.write(Buffer.concat([Buffer.from(`POST /s/big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 97)]));
      const rs = await c.responses(answered + 1, { ms: 2_000 });
      expect(rs[answered].status).toBe(200);
      expect(rs[answered].text).toBe(`got ${size}`);
      answered++;
      const sentAt = Date.now();
      c.write(`GET /s/next-${round} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const next = await c.responses(answered + 1, { ms: 1_000 });
      expect(next[answered].status).toBe(200);
      expect(next[answered].text).toBe('got 0');
      expect(Date.now() - sentAt).toBeLessThan(500);
      answered++;
    }
    expect(c.closed).toBe(false);
    expect(up.requests.map((r) => r.url)).toEqual(['/big', '/next-0', '/big', '/next-1', '/big', '/next-2']);
  });
});

// ---------------------------------------------------------------- 3. slow uploads vs headerMs

describe('3. a slow upload is the client being slow, not the upstream', { timeout: TEST_MS }, () => {
  it('gets 200 when the upload takes longer than the route headerMs, and three of them do not open the breaker', async () => {
    const up = await fixtures.upstream('u', (_req, res, body) => res.end(`got ${body}`));
    const gw = await fixtures.gatewayFor(up.port, {}, { timeouts: { connectMs: 1000, headerMs: 300, bodyMs: 5000 }, circuitBreaker: { failureThreshold: 3, resetAfterMs: 10_000 } });
    const slowUpload = async (i: number): Promise<{ status: number; text: string; ms: number }> => {
      const c = await RawClient.open(fixtures, gw.port);
      const body = `slow-${i}-abcd`; // 11 bytes, sent one every 75 ms: ~825 ms
      const started = Date.now();
      c.write(`POST /s/upload-${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
      for (const ch of body) {
        await sleep(75);
        if (c.closed) break;
        c.write(ch);
      }
      const [r] = await c.responses(1, { ms: 1_500 });
      return { status: r.status, text: r.text, ms: Date.now() - started };
    };
    const results = await Promise.all([slowUpload(1), slowUpload(2), slowUpload(3)]);
    for (const [i, r] of results.entries()) {
      expect(r, `upload ${i + 1}`).toMatchObject({ status: 200, text: `got slow-${i + 1}-abcd` });
      expect(r.ms).toBeGreaterThan(600); // the upload really outlasted headerMs (300)
    }
    const normal = await send(gw.port, '/s/normal');
    expect(normal.status, normal.body).toBe(200);
    expect(normal.body).toBe('got ');
  });
});

// ---------------------------------------------------------------- 4. leading blank lines

describe('4. a stream of CRLF before a request line', { timeout: TEST_MS }, () => {
  it('is dropped, not buffered: 408 (or close) after headersMs, and the gateway stays responsive', async () => {
    const up = await fixtures.upstream('u', (_req, res) => res.end('pong'));
    const headersMs = 1_000;
    const spreadMs = 800;
    const gw = await fixtures.gatewayFor(up.port, { serverTimeouts: { headersMs } });
    const c = await RawClient.open(fixtures, gw.port);
    const baseMemory = process.memoryUsage().arrayBuffers;
    let peakMemory = 0;
    const elu = performance.eventLoopUtilization();
    const started = Date.now();

    // 4 MB of "\r\n" spread evenly over 0.8 s (all of it before headersMs), a write about every
    // millisecond (many small reads on the gateway's side). The same block is written each
    // time: the client itself holds no copies.
    const total = 4 * 1024 * 1024;
    const block = Buffer.alloc(4096, '\r\n');
    let sent = 0;
    let streamedMs = 0;
    const streaming = (async () => {
      while (sent < total && !c.closed && Date.now() - started < 2_000) {
        const allowed = Math.min(total, ((Date.now() - started) / spreadMs) * total);
        while (sent < allowed && !c.closed) {
          c.write(block);
          sent += block.length;
        }
        peakMemory = Math.max(peakMemory, process.memoryUsage().arrayBuffers - baseMemory);
        await sleep(1);
      }
      streamedMs = Date.now() - started;
    })();

    // Meanwhile, ordinary requests on other connections answer quickly.
    const latencies: number[] = [];
    while (Date.now() - started < spreadMs && !c.closed) {
      const t = Date.now();
      const r = await send(gw.port, '/s/ping');
      latencies.push(Date.now() - t);
      expect(r.status).toBe(200);
      expect(r.body).toBe('pong');
      await sleep(50);
    }
    await streaming;
    // Share of the streaming time the event loop (gateway and client alike) was busy. Dropping
    // each read costs next to nothing; re-scanning and re-copying a growing buffer on every read
    // (quadratic) keeps the loop busy most of the time.
    const busy = performance.eventLoopUtilization(elu).utilization;
    await c.waitClosed(2_000);

    expect(sent, 'the whole 4 MB went out before the timeout').toBe(total);
    const closedAfter = c.closedAt - started;
    expect(closedAfter).toBeGreaterThanOrEqual(headersMs - 50);
    expect(closedAfter).toBeLessThan(headersMs + 1_500);
    if (c.data.length > 0) {
      const { responses } = parseResponses(c.data, { closed: true });
      expect(responses.map((r) => r.status)).toEqual([408]);
      expect(JSON.parse(responses[0].text)).toMatchObject({ error: 'request_timeout' });
    }
    expect(latencies.length).toBeGreaterThan(2);
    expect(Math.max(...latencies), `latencies ${latencies.join(',')} ms`).toBeLessThan(250);
    expect(busy, `event loop busy ${(busy * 100).toFixed(0)}% of ${streamedMs} ms while 4 MB of CRLF arrived`).toBeLessThan(0.45);
    expect(peakMemory, `ArrayBuffer memory grew by up to ${(peakMemory / 2 ** 20).toFixed(1)} MB`).toBeLessThan(12 * 2 ** 20);
    const after = Date.now();
    expect((await send(gw.port, '/s/after')).status).toBe(200);
    expect(Date.now() - after).toBeLessThan(250);
    expect(up.requests.map((r) => r.url).filter((u) => u !== '/ping')).toEqual(['/after']);
  });
});

// ---------------------------------------------------------------- 5. pipelining without reading

/** Status and JSON `message` of each Content-Length answer in `buf` (lean: tens of thousands of answers). */
function scanAnswers(buf: Buffer): { answers: { status: number; message: string }[]; rest: number } {
  const answers: { status: number; message: string }[] = [];
  let off = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off, 'latin1');
    if (end === -1) break;
    const head = buf.toString('latin1', off, end);
    const cl = /\r\ncontent-length: (\d+)/i.exec(head);
    if (!head.startsWith('HTTP/1.1 ') || cl === null) throw new Error(`unexpected answer head at byte ${off}: ${JSON.stringify(head.slice(0, 200))}`);
    const next = end + 4 + Number(cl[1]);
    if (next > buf.length) break;
    answers.push({ status: Number(head.slice(9, 12)), message: (JSON.parse(buf.toString('utf8', end + 4, next)) as { message: string }).message });
    off = next;
  }
  return { answers, rest: buf.length - off };
}

describe('5. a client that pipelines gateway-answered requests without reading', { timeout: TEST_MS }, () => {
  it('gets no more requests read once the write queue is full; the answers then arrive in order', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gatewayFor(up.port);
    let serverSide: net.Socket | null = null;
    gw.gateway.server.on('connection', (s: net.Socket) => (serverSide = s));

    // Never reads (paused, no data listener) and keeps its side open.
    const socket = net.connect({ port: gw.port, host: '127.0.0.1', allowHalfOpen: true });
    fixtures.onCleanup(() => void socket.destroy());
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();

    // ~70-byte requests: what the kernel buffers hold then means fewer answers to check at the end.
    const pad = 'p'.repeat(20);
    let seq = 0;
    let flushed = 0; // bytes the kernel took off the client's queue (write callbacks)
    let flushedAtHalf = -1;
    const started = Date.now();
    const windowMs = 1_500;
    const deadline = started + windowMs;
    while (Date.now() < deadline) {
      let batch = '';
      for (let i = 0; i < 100; i++) batch += `GET /nope/${seq++} HTTP/1.1\r\nHost: x\r\nX-Pad: ${pad}\r\n\r\n`;
      const bytes = Buffer.from(batch, 'latin1');
      const open = socket.write(bytes, (error) => {
        if (!error) flushed += bytes.length;
      });
      // Once the client's own queue is full, wait for the gateway to take more (or time out).
      while (!open && socket.writableLength > 0 && Date.now() < deadline) {
        if (flushedAtHalf === -1 && Date.now() - started >= windowMs / 2) flushedAtHalf = flushed;
        if (await drainOrTimeout(socket, Math.min(50, deadline - Date.now()))) break;
      }
      if (flushedAtHalf === -1 && Date.now() - started >= windowMs / 2) flushedAtHalf = flushed;
      if (open) await new Promise((r) => setImmediate(r));
    }
    await sleep(50);
    const gatewayQueue = serverSide === null ? -1 : (serverSide as net.Socket).writableLength;
    expect(serverSide).not.toBeNull();
    const mb = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MB`;
    expect(flushed, `the client wrote ${mb(flushed)} to a gateway it never read from`).toBeLessThan(8 * 2 ** 20);
    // Whatever the kernel buffers hold is taken early; a gateway that keeps reading keeps
    // taking more for the whole window.
    expect(flushedAtHalf).toBeGreaterThan(0);
    expect(flushed - flushedAtHalf, `the gateway took ${mb(flushed - flushedAtHalf)} more in the second half of the window (${mb(flushedAtHalf)} in the first)`).toBeLessThan(256 * 1024);
    expect(gatewayQueue, `gateway write queue ${gatewayQueue} bytes`).toBeLessThan(256 * 1024);
    expect(socket.destroyed).toBe(false);

    // Now read: every request is answered, in order, and the last one closes the connection.
    socket.write('GET /nope/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<boolean>((resolve) => {
      socket.once('end', () => resolve(true));
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), Math.max(500, TEST_MS - 800 - (Date.now() - started)));
    });
    socket.resume();
    const endedInTime = await ended;
    const received = Buffer.concat(chunks);
    expect(endedInTime, `the answers did not all arrive in time (got ${mb(received.length)} for ${seq + 1} requests)`).toBe(true);
    const { answers, rest } = scanAnswers(received);
    expect(rest).toBe(0);
    expect(answers).toHaveLength(seq + 1);
    let firstWrong = -1;
    for (let i = 0; i < answers.length && firstWrong === -1; i++) {
      const path = i === seq ? '/nope/last' : `/nope/${i}`;
      if (answers[i].status !== 404 || answers[i].message !== `no route for GET ${path}`) firstWrong = i;
    }
    expect(firstWrong, firstWrong === -1 ? '' : `answer ${firstWrong}: ${JSON.stringify(answers[firstWrong])}`).toBe(-1);
    expect(up.requests).toHaveLength(0);
  });
});

// ---------------------------------------------------------------- 6. stale upstream connection

describe('6. a reused upstream connection that closes without answering', { timeout: TEST_MS }, () => {
  /** Each connection answers its first request (keep-alive) and drops the connection on the second. */
  const dropsSecond = (socket: net.Socket, req: RawUpstreamRequest): void => {
    if (req.index > 0) {
      socket.destroy();
      return;
    }
    ok(socket, targetOf(req));
  };

  it('a POST without a body reaches the upstream exactly once and the client gets 502', async () => {
    const up = await rawUpstream(fixtures, dropsSecond);
    const gw = await fixtures.gatewayFor(up.port);
    expect((await send(gw.port, '/s/warm')).status).toBe(200);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('POST /s/charge HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    const [r] = await c.responses(1);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'bad_gateway' });
    await sleep(100);
    expect(up.requests.map((q) => [q.conn, q.index, requestLine(q)])).toEqual([
      [0, 0, 'GET /warm HTTP/1.1'],
      [0, 1, 'POST /charge HTTP/1.1'],
    ]);
    expect(up.connections).toBe(1);
  });

  it('a GET is retried once on a fresh connection and succeeds', async () => {
    const up = await rawUpstream(fixtures, dropsSecond);
    const gw = await fixtures.gatewayFor(up.port);
    expect((await send(gw.port, '/s/warm')).status).toBe(200);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('GET /s/read HTTP/1.1\r\nHost: x\r\n\r\n');
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    expect(r.text).toBe('/read');
    expect(up.requests.map((q) => [q.conn, q.index, requestLine(q)])).toEqual([
      [0, 0, 'GET /warm HTTP/1.1'],
      [0, 1, 'GET /read HTTP/1.1'],
      [1, 0, 'GET /read HTTP/1.1'],
    ]);
  });
});

// ---------------------------------------------------------------- 7. slow body vs requestMs

describe('7. a request body that does not arrive within serverTimeouts.requestMs', { timeout: TEST_MS }, () => {
  it('gets a 408 JSON answer and the upstream request is aborted at once', async () => {
    const up = await rawUpstream(fixtures, () => {}); // never answers
    const requestMs = 600;
    const gw = await fixtures.gatewayFor(up.port, { serverTimeouts: { requestMs, headersMs: 400 } });
    // Half-open allowed: the client keeps its side open, so only the gateway can end the exchange.
    const c = await RawClient.open(fixtures, gw.port, { allowHalfOpen: true });
    const started = Date.now();
    c.write('POST /s/slow-body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789');
    await until(() => up.received.length === 1 && up.received[0].toString('latin1').endsWith('0123456789'), 2_000);
    const [r] = await c.responses(1, { ms: 2_500 });
    const answeredAt = Date.now();
    expect(r.status).toBe(408);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'request_timeout' });
    expect(answeredAt - started).toBeGreaterThanOrEqual(requestMs - 50);
    expect(answeredAt - started).toBeLessThan(requestMs + 1_200);
    // The upstream connection carrying the unfinished request is cut, without waiting for the client.
    await until(() => up.closedAt.has(0), 500).catch(() => undefined);
    expect(up.closedAt.has(0), 'upstream request still open 500 ms after the 408').toBe(true);
    expect(up.closedAt.get(0)! - answeredAt).toBeLessThan(500);
    expect(up.requests).toHaveLength(0); // never completed
    // The client connection is not reused after an unfinished body.
    expect(r.headers.connection).toBe('close');
  });
});

// ---------------------------------------------------------------- 8. Expect

describe('8. an expectation other than 100-continue', { timeout: TEST_MS }, () => {
  it('gets 417 with a JSON body and nothing reaches the upstream', async () => {
    const up = await fixtures.upstream('u');
    const gw = await fixtures.gatewayFor(up.port);
    const raw = await rawRequest(gw.port, 'POST /s/expect HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 5\r\n\r\nhello', 2_000);
    const { responses } = parseResponses(Buffer.from(raw, 'latin1'), { closed: true });
    expect(responses.map((r) => r.status)).toEqual([417]);
    expect(responses[0].headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(responses[0].text)).toMatchObject({ error: 'expectation_failed' });
    await sleep(50);
    expect(up.requests).toHaveLength(0);
    expect(up.connections).toBe(0);
  });
});

// ---------------------------------------------------------------- 9. chunked HTTP/1.0

describe('9. an HTTP/1.0 request with Transfer-Encoding: chunked and Connection: keep-alive', { timeout: TEST_MS }, () => {
  it('gets its answer and then the connection is closed', async () => {
    const up = await fixtures.upstream('u', (_req, res, body) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`got ${body}`);
    });
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('POST /s/old-chunked HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    expect(r.text).toBe('got hello');
    expect(r.headers.connection).toBe('close');
    await c.waitClosed(1_500);
    expect(parseResponses(c.data, { closed: true }).rest).toBe(0);
    expect(up.requests.map((q) => [q.method, q.url, q.body])).toEqual([['POST', '/old-chunked', 'hello']]);
  });
});
