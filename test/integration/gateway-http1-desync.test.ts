// The response side of the proof against desync (issue 15): raw upstreams that answer with
// ambiguous or broken framing (CL+TE, repeated Content-Length, a body on 204/304/HEAD, 1xx
// before the final answer, a body cut short, bare CR/LF in header lines, a bad chunk, an
// unsolicited extra answer). Each time the client pipelines a second request behind the bad
// one on the same keep-alive connection, and what it reads is checked with a parser of its
// own: never a response that could desync the connection, and the second request gets the
// right answer (or, once an answer has started and cannot be finished, the connection is cut
// and a new one works). Plus the request-side fix: a malformed chunk size after the head was
// forwarded is a 400 to the client and an aborted upstream request, not a silent close.
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureScope, sleep, until } from './gateway-helpers.js';
import { parseResponses, RawClient, rawUpstream, targetOf, type RawUpstreamRequest } from './gateway-raw-helpers.js';

const TEST_MS = 5_000;
const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

/** How the upstream misbehaves on `/bad`; every other path gets `200` with the path as body. */
type Misbehaviour = (socket: net.Socket) => void;

async function setup(bad: Misbehaviour) {
  const up = await rawUpstream(fixtures, (socket, req: RawUpstreamRequest) => {
    const target = targetOf(req);
    if (target === '/bad') return bad(socket);
    // A moment later, so that a late stray byte of the previous answer arrives first.
    setTimeout(() => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${target.length}\r\n\r\n${target}`), 60);
  });
  const gw = await fixtures.gatewayFor(up.port);
  return { up, gw };
}

const PIPELINE = (first = 'GET'): string => `${first} /s/bad HTTP/1.1\r\nHost: a\r\n\r\nGET /s/next HTTP/1.1\r\nHost: a\r\n\r\n`;

/** Both answers, read by an independent parser that must consume every byte. */
async function pipelined(port: number, first = 'GET') {
  const c = await RawClient.open(fixtures, port);
  c.write(PIPELINE(first));
  const rs = await c.responses(2, { head: [first === 'HEAD', false] });
  await sleep(30); // anything stray after the second answer would show in `rest`
  expect(parseResponses(c.data, { head: [first === 'HEAD', false] }).rest).toBe(0);
  expect(rs[1].status).toBe(200);
  expect(rs[1].text).toBe('/next');
  return rs;
}

describe('an upstream answer that could desync the client connection', { timeout: TEST_MS }, () => {
  it.each([
    ['Content-Length with Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two different Content-Length values', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde'],
    ['a Content-Length list of different values', 'HTTP/1.1 200 OK\r\nContent-Length: 3, 5\r\n\r\nabcde'],
    ['a bare LF inside the head', 'HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 3\r\n\r\nabc'],
    ['a bare CR inside a header value', 'HTTP/1.1 200 OK\r\nX-A: 1\rContent-Length: 3\r\n\r\nabc'],
    ['an obs-fold continuation line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc'],
    ['whitespace before a colon', 'HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc'],
    ['a transfer coding other than chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc'],
    ['a NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: 1\0\r\nContent-Length: 3\r\n\r\nabc'],
  ])('%s: a 502, and the pipelined request behind it gets its own answer', async (_label, answer) => {
    const { gw } = await setup((socket) => socket.write(answer));
    const [first] = await pipelined(gw.port);
    expect(first.status).toBe(502);
    expect(JSON.parse(first.text).error).toBe('bad_gateway');
  });

  it('a repeated identical Content-Length is relayed once, and the next answer follows', async () => {
    const { gw } = await setup((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'));
    const c = await RawClient.open(fixtures, gw.port);
    c.write(PIPELINE());
    const rs = await c.responses(2);
    expect(rs[0].text).toBe('abc');
    expect(c.text.match(/\r\ncontent-length:/gi)).toHaveLength(2); // one per answer
    expect(rs[1].text).toBe('/next');
  });

  it.each([
    ['204 with a body', 'GET', 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello', 204],
    ['304 with a body', 'GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello', 304],
    ['HEAD answered with a body', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 200],
    ['HEAD answered with a chunked body', 'HEAD', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 200],
  ])('%s: relayed without the body, and the next request is answered on a fresh upstream connection', async (_label, method, answer, status) => {
    const { up, gw } = await setup((socket) => socket.write(answer));
    const [first] = await pipelined(gw.port, method);
    expect(first.status).toBe(status);
    expect(first.body.length).toBe(0);
    // The stray body made the upstream connection unusable: /next went on a new one.
    const next = up.requests.find((r) => targetOf(r) === '/next')!;
    expect(next.conn).toBe(1);
  });

  it.each([
    ['204', 'GET', 'HTTP/1.1 204 No Content\r\n\r\n', 204],
    ['HEAD', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 200],
  ])('a body sent after a %s answer in a later packet, once the connection was reused: the next request is retried on a fresh one', async (_label, method, head, status) => {
    const { up, gw } = await setup((socket) => {
      socket.write(head);
      setTimeout(() => socket.write('hello'), 30);
    });
    // The answer to /next is held back so that the stray body arrives first on the reused connection.
    const first = await (async () => {
      const c = await RawClient.open(fixtures, gw.port);
      c.write(PIPELINE(method));
      const rs = await c.responses(2, { head: [method === 'HEAD', false] });
      expect(parseResponses(c.data, { head: [method === 'HEAD', false] }).rest).toBe(0);
      expect(rs[1].status).toBe(200);
      expect(rs[1].text).toBe('/next');
      return rs[0];
    })();
    expect(first.status).toBe(status);
    const nexts = up.requests.filter((r) => targetOf(r) === '/next').map((r) => r.conn);
    // Seen on the reused connection (answered by the stray bytes), then retried on a new one.
    expect(nexts[nexts.length - 1]).toBeGreaterThan(0);
  });

  it('informational answers (100, 103) before the final one are not relayed as answers', async () => {
    const { gw } = await setup((socket) =>
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'),
    );
    const [first] = await pipelined(gw.port);
    expect(first.status).toBe(200);
    expect(first.text).toBe('abc');
  });

  it('an unsolicited extra answer is never taken for the next request\'s answer', async () => {
    const { up, gw } = await setup((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n/next'));
    const [first] = await pipelined(gw.port);
    expect(first.text).toBe('abc');
    expect(up.requests.find((r) => targetOf(r) === '/next')!.conn).toBe(1);
  });

  it.each([
    ['a Content-Length body cut short', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'],
    ['a chunked body cut short', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc'],
    ['a malformed chunk size after the head', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0x2\r\nde\r\n0\r\n\r\n'],
  ])('%s: the client connection is cut with the answer incomplete, and a new connection works', async (_label, answer) => {
    const { gw } = await setup((socket) => {
      socket.write(answer);
      if (!answer.includes('0x2')) setTimeout(() => socket.destroy(), 20);
    });
    const c = await RawClient.open(fixtures, gw.port);
    c.write(PIPELINE());
    await c.waitClosed();
    // No complete answer that a client could take as final, and nothing for /next on this connection.
    const { responses } = parseResponses(c.data);
    expect(responses).toEqual([]);
    expect(c.text).not.toContain('/next');
    const fresh = await RawClient.open(fixtures, gw.port);
    fresh.write('GET /s/next HTTP/1.1\r\nHost: a\r\n\r\n');
    const [r] = await fresh.responses(1);
    expect(r.text).toBe('/next');
  });
});

describe('a malformed chunked request body', { timeout: TEST_MS }, () => {
  it.each([['0x2'], ['2;\x01']])('chunk size %j in the same packet as the head: 400 to the client, not a silent close', async (size) => {
    const up = await rawUpstream(fixtures, () => {});
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write(`POST /s/upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nok\r\n0\r\n\r\n`);
    const [r] = await c.responses(1);
    expect(r.status).toBe(400);
    await c.waitClosed();
    await sleep(50);
    // Nothing of the body was forwarded complete.
    expect(Buffer.concat(up.received).toString('latin1')).not.toContain('0\r\n\r\n');
  });


  it.each([['0x2'], ['-2'], ['2;\x01'], ['FFFFFFFFFFFFFFFFF']])('chunk size %j after the head was forwarded: 400 to the client, the upstream request aborted', async (size) => {
    // A chunked head without Content-Length is complete for the raw upstream at once.
    const up = await rawUpstream(fixtures, () => {});
    const gw = await fixtures.gatewayFor(up.port);
    const c = await RawClient.open(fixtures, gw.port);
    c.write('POST /s/upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    await until(() => up.requests.length === 1);
    c.write(`${size}\r\nok\r\n0\r\n\r\n`);
    const [r] = await c.responses(1);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toBe('bad_request');
    await c.waitClosed();
    await until(() => up.closedAt.has(0));
    // The upstream got the first chunk and no end of body: the request was aborted, not finished.
    expect(up.received[0].toString('latin1')).not.toContain('0\r\n\r\n');
  });
});
