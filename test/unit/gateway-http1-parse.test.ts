// The gateway's own HTTP/1.1 parsing (src/runtime/gateway/http1): request and response heads
// (head.ts) and the chunked transfer-coding decoder (chunked.ts). Pure functions and a state
// machine: no sockets. The request-head cases are the classic request-smuggling ambiguities a
// proxy must refuse rather than guess at.
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, LAST_CHUNK, chunkPrefix } from '../../src/runtime/gateway/http1/chunked.js';
import { headerList, isHeadError, parseRequestHead, parseResponseHead, type HeadError, type RequestHead, type ResponseHead } from '../../src/runtime/gateway/http1/head.js';

const MAX_URL = 8192;

/** Build a head the way the server hands it over: lines joined by CRLF, final CRLFCRLF excluded. */
function head(...lines: string[]): string {
  return lines.join('\r\n');
}

function req(text: string, maxUrl = MAX_URL): RequestHead {
  const r = parseRequestHead(text, maxUrl);
  if (isHeadError(r)) throw new Error(`expected a valid request head, got ${r.status}: ${r.message}`);
  return r;
}

function reqError(text: string, maxUrl = MAX_URL): HeadError {
  const r = parseRequestHead(text, maxUrl);
  if (!isHeadError(r)) throw new Error(`expected a refusal, got a request head: ${JSON.stringify(r)}`);
  return r;
}

function res(text: string): ResponseHead {
  const r = parseResponseHead(text);
  if (isHeadError(r)) throw new Error(`expected a valid response head, got ${r.status}: ${r.message}`);
  return r;
}

function resError(text: string): HeadError {
  const r = parseResponseHead(text);
  if (!isHeadError(r)) throw new Error(`expected a refusal, got a response head: ${JSON.stringify(r)}`);
  return r;
}

describe('request head: valid', () => {
  it('parses an HTTP/1.1 GET with headers in arrival order, names as sent, values trimmed', () => {
    const r = req(head('GET /orders/42?x=1 HTTP/1.1', 'Host: api.local:8080', 'X-Multi:   a b  ', 'accept:*/*', 'X-Empty:', 'X-Tab:\tv\t'));
    expect(r.method).toBe('GET');
    expect(r.url).toBe('/orders/42?x=1');
    expect(r.versionMinor).toBe(1);
    expect(r.rawHeaders).toEqual(['Host', 'api.local:8080', 'X-Multi', 'a b', 'accept', '*/*', 'X-Empty', '', 'X-Tab', 'v']);
    expect(r.contentLength).toBe(-1);
    expect(r.chunked).toBe(false);
    expect(r.keepAlive).toBe(true);
    expect(r.expectContinue).toBe(false);
  });

  it('keeps repeated non-framing headers (both values, in order)', () => {
    const r = req(head('GET / HTTP/1.1', 'Host: a', 'Cookie: a=1', 'X-A: 1', 'cookie: b=2'));
    expect(r.rawHeaders).toEqual(['Host', 'a', 'Cookie', 'a=1', 'X-A', '1', 'cookie', 'b=2']);
  });

  it('accepts HTAB inside values and obs-text (bytes 0x80-0xFF, latin1)', () => {
    const r = req(head('GET / HTTP/1.1', 'Host: a', 'X-A: a\tb', 'X-Latin: caf\u00e9 \u00ff'));
    expect(r.rawHeaders).toEqual(['Host', 'a', 'X-A', 'a\tb', 'X-Latin', 'caf\u00e9 \u00ff']);
  });

  it('HTTP/1.1 is keep-alive unless Connection: close (any case, any position in the list)', () => {
    expect(req(head('GET / HTTP/1.1', 'Host: a')).keepAlive).toBe(true);
    expect(req(head('GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive')).keepAlive).toBe(true);
    expect(req(head('GET / HTTP/1.1', 'Host: a', 'Connection: close')).keepAlive).toBe(false);
    expect(req(head('GET / HTTP/1.1', 'Host: a', 'connection: Upgrade, CLOSE')).keepAlive).toBe(false);
    expect(req(head('GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive', 'Connection: close')).keepAlive).toBe(false);
  });

  it('HTTP/1.0 needs no Host and is close unless Connection: keep-alive', () => {
    const plain = req(head('GET /x HTTP/1.0'));
    expect(plain.versionMinor).toBe(0);
    expect(plain.keepAlive).toBe(false);
    expect(req('GET /x HTTP/1.0').rawHeaders).toEqual([]);
    expect(req(head('GET /x HTTP/1.0', 'Connection: Keep-Alive')).keepAlive).toBe(true);
    expect(req(head('GET /x HTTP/1.0', 'Connection: keep-alive, close')).keepAlive).toBe(false);
    // Host is optional in 1.0, but one is allowed
    expect(req(head('GET /x HTTP/1.0', 'Host: a')).rawHeaders).toEqual(['Host', 'a']);
  });

  it('reports Expect: 100-continue (case-insensitive) for HTTP/1.1 only, and refuses other expectations (417)', () => {
    expect(req(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Expect: 100-continue')).expectContinue).toBe(true);
    expect(req(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'expect: 100-Continue')).expectContinue).toBe(true);
    expect(reqError(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Expect: something-else')).status).toBe(417);
    expect(req(head('POST / HTTP/1.0', 'Content-Length: 3', 'Expect: 100-continue')).expectContinue).toBe(false);
  });

  it('keeps an absolute-form target as sent', () => {
    const r = req(head('GET http://example.com:8080/a/b?c=d HTTP/1.1', 'Host: example.com:8080'));
    expect(r.url).toBe('http://example.com:8080/a/b?c=d');
    expect(req(head('OPTIONS * HTTP/1.1', 'Host: a')).url).toBe('*');
  });

  // Issue 15 (proof against llhttp): only the methods llhttp knows, exactly as it spells them.
  it('accepts the methods Node\'s parser knows, case preserved, and refuses any other token', () => {
    expect(req(head('PROPFIND / HTTP/1.1', 'Host: a')).method).toBe('PROPFIND');
    expect(req(head('M-SEARCH / HTTP/1.1', 'Host: a')).method).toBe('M-SEARCH');
    expect(reqError(head('get / HTTP/1.1', 'Host: a')).status).toBe(400);
    expect(reqError(head("M-SEARCH.x!#$%&'*+^_`|~9 / HTTP/1.1", 'Host: a')).status).toBe(400);
  });

  it('reads Content-Length and chunked framing', () => {
    expect(req(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 42')).contentLength).toBe(42);
    expect(req(head('POST / HTTP/1.1', 'Host: a', 'content-length: 0')).contentLength).toBe(0);
    expect(req(head('POST / HTTP/1.1', 'Host: a', 'Content-Length:  007 ')).contentLength).toBe(7);
    const chunked = req(head('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'));
    expect(chunked.chunked).toBe(true);
    expect(chunked.contentLength).toBe(-1);
    expect(req(head('POST / HTTP/1.1', 'Host: a', 'TRANSFER-ENCODING: Chunked')).chunked).toBe(true);
  });

  // Issue 15: llhttp answers 400 to these, so the gateway must not relay them.
  it('refuses the same Content-Length repeated, as two headers or as a list', () => {
    expect(reqError(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5', 'Content-Length: 5')).status).toBe(400);
    expect(reqError(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5, 5')).status).toBe(400);
    expect(reqError(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5,5,5', 'content-length: 5')).status).toBe(400);
    expect(reqError(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5\t')).status).toBe(400);
  });

  it('accepts a target of exactly the maximum length', () => {
    const url = '/' + 'a'.repeat(99);
    expect(req(head(`GET ${url} HTTP/1.1`, 'Host: a'), 100).url).toBe(url);
  });
});

describe('request head: refused', () => {
  const H = (...lines: string[]): string => head('POST /x HTTP/1.1', 'Host: a', ...lines);

  it('refuses Content-Length together with Transfer-Encoding (400), in either order', () => {
    expect(reqError(H('Content-Length: 5', 'Transfer-Encoding: chunked')).status).toBe(400);
    expect(reqError(H('Transfer-Encoding: chunked', 'Content-Length: 5')).status).toBe(400);
    expect(reqError(H('Transfer-Encoding: chunked', 'Content-Length: 0')).status).toBe(400);
  });

  it('refuses two different Content-Length values (400)', () => {
    expect(reqError(H('Content-Length: 5', 'Content-Length: 6')).status).toBe(400);
    expect(reqError(H('Content-Length: 5, 6')).status).toBe(400);
    expect(reqError(H('Content-Length: 5, 5', 'Content-Length: 50')).status).toBe(400);
  });

  it.each([
    ['letters', 'abc'],
    ['negative', '-1'],
    ['plus sign', '+5'],
    ['hex', '0x10'],
    ['exponent', '1e3'],
    ['decimal', '5.0'],
    ['empty', ''],
    ['inner space', '1 2'],
    ['empty list member', '5,,5'],
    ['trailing comma', '5,'],
    ['huge (16 digits)', '9999999999999999'],
    ['absurd', '1'.repeat(40)],
  ])('refuses a %s Content-Length (400)', (_label, value) => {
    const e = reqError(H(`Content-Length: ${value}`));
    expect(e.status).toBe(400);
  });

  it.each([
    ['gzip'],
    ['gzip, chunked'],
    ['chunked, gzip'],
    ['chunked, chunked'],
    ['identity'],
    ['xchunked'],
    ['chunked;q=1'],
    [''],
  ])('refuses Transfer-Encoding "%s" (501: only a lone chunked is supported)', (value) => {
    expect(reqError(H(`Transfer-Encoding: ${value}`)).status).toBe(501);
  });

  it('refuses a repeated Transfer-Encoding header (400)', () => {
    expect(reqError(H('Transfer-Encoding: chunked', 'Transfer-Encoding: chunked')).status).toBe(400);
    expect(reqError(H('Transfer-Encoding: chunked', 'transfer-encoding: chunked')).status).toBe(400);
  });

  it('refuses obs-fold continuation lines (400), with space or tab', () => {
    expect(reqError(H('X-A: 1', ' continued')).status).toBe(400);
    expect(reqError(H('X-A: 1', '\tcontinued')).status).toBe(400);
    // The smuggling classic: a folded Transfer-Encoding value
    expect(reqError(H('Transfer-Encoding: chunked', ' identity')).status).toBe(400);
    expect(reqError(H('Content-Length: 5', '\t5')).status).toBe(400);
    // An empty value folded onto the next line is refused too (already at the empty coding).
    expect([400, 501]).toContain(reqError(H('Transfer-Encoding:', ' chunked')).status);
  });

  it('refuses whitespace between the field name and the colon (400)', () => {
    expect(reqError(H('Content-Length : 5')).status).toBe(400);
    expect(reqError(H('Transfer-Encoding\t: chunked')).status).toBe(400);
    expect(reqError(head('GET / HTTP/1.1', 'Host : a')).status).toBe(400);
  });

  it('refuses a bare LF anywhere in the head (400)', () => {
    expect(reqError('GET / HTTP/1.1\nHost: a').status).toBe(400);
    expect(reqError(H('X-A: 1\nTransfer-Encoding: chunked')).status).toBe(400);
    expect(reqError(H('X-A: a\nb')).status).toBe(400);
  });

  it('refuses a bare CR anywhere in the head (400)', () => {
    expect(reqError('GET / HTTP/1.1\rHost: a').status).toBe(400);
    expect(reqError(H('X-A: 1\rTransfer-Encoding: chunked')).status).toBe(400);
    expect(reqError(H('X-A: a\rb')).status).toBe(400);
    expect(reqError(H('X-A: trailing\r')).status).toBe(400);
  });

  it.each([
    ['NUL', '\u0000'],
    ['SOH', '\u0001'],
    ['VT', '\u000b'],
    ['FF', '\u000c'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
  ])('refuses %s inside a header value (400)', (_label, ch) => {
    expect(reqError(H(`X-A: a${ch}b`)).status).toBe(400);
  });

  it('refuses control characters and separators in a header name (400)', () => {
    expect(reqError(H('X\u0000A: 1')).status).toBe(400);
    expect(reqError(H('X(A): 1')).status).toBe(400);
    expect(reqError(H('X/A: 1')).status).toBe(400);
    expect(reqError(H(': no-name')).status).toBe(400);
    expect(reqError(H('no colon at all')).status).toBe(400);
    expect(reqError(H('X-\u00e9: 1')).status).toBe(400);
  });

  it('refuses an empty line inside the head (400)', () => {
    expect(reqError(H('X-A: 1', '', 'X-B: 2')).status).toBe(400);
  });

  it.each([
    ['separator', 'GE(T / HTTP/1.1'],
    ['slash', 'GE/T / HTTP/1.1'],
    ['at sign', 'G@T / HTTP/1.1'],
    ['non-ASCII', 'G\u00c9T / HTTP/1.1'],
    ['NUL', 'GE\u0000T / HTTP/1.1'],
    ['empty method', ' / HTTP/1.1'],
  ])('refuses an invalid method token (%s) with 400', (_label, line) => {
    expect(reqError(head(line, 'Host: a')).status).toBe(400);
  });

  it('refuses malformed request lines (400)', () => {
    expect(reqError(head('GET /', 'Host: a')).status).toBe(400);
    expect(reqError(head('GET', 'Host: a')).status).toBe(400);
    expect(reqError(head('GET  / HTTP/1.1', 'Host: a')).status).toBe(400);
    expect(reqError(head('GET / a HTTP/1.1', 'Host: a')).status).toBe(400);
    expect(reqError(head('GET /\u0000 HTTP/1.1', 'Host: a')).status).toBe(400);
    expect(reqError(head('GET /\u007f HTTP/1.1', 'Host: a')).status).toBe(400);
    expect(reqError(head('GET /\tx HTTP/1.1', 'Host: a')).status).toBe(400);
    expect(reqError('').status).toBe(400);
  });

  it('refuses HTTP/1.1 without Host (400) and any request with two Host headers (400)', () => {
    const missing = reqError(head('GET / HTTP/1.1', 'Accept: */*'));
    expect(missing.status).toBe(400);
    expect(missing.message).toMatch(/host/i);
    const twice = reqError(head('GET / HTTP/1.1', 'Host: a', 'Host: b'));
    expect(twice.status).toBe(400);
    expect(twice.message).toMatch(/host/i);
    expect(reqError(head('GET / HTTP/1.1', 'Host: a', 'host: a')).status).toBe(400);
    expect(reqError(head('GET / HTTP/1.0', 'Host: a', 'Host: b')).status).toBe(400);
  });

  it('refuses a target longer than the maximum with 414 (before validating it)', () => {
    const url = '/' + 'a'.repeat(100);
    const e = reqError(head(`GET ${url} HTTP/1.1`, 'Host: a'), 100);
    expect(e.status).toBe(414);
    expect(reqError(head(`GET ${'/x'.repeat(5000)} HTTP/1.1`, 'Host: a')).status).toBe(414);
  });

  it('answers 505 to a well-formed but unsupported HTTP version', () => {
    expect(reqError(head('GET / HTTP/2.0', 'Host: a')).status).toBe(505);
    expect(reqError(head('GET / HTTP/1.2', 'Host: a')).status).toBe(505);
    expect(reqError(head('GET / HTTP/0.9', 'Host: a')).status).toBe(505);
    expect(reqError(head('GET / HTTP/3.0', 'Host: a')).status).toBe(505);
  });

  it.each([['HTTP/2'], ['HTTP/1.1x'], ['http/1.1'], ['HTTP/11'], ['HTTP/1.'], ['HTTP/a.b'], ['HTTPS/1.1'], ['HTTP/1.1 ']])(
    'refuses a garbage version %j with 400',
    (version) => {
      const e = reqError(head(`GET / ${version}`, 'Host: a'));
      expect(e.status).toBe(400);
    },
  );
});

describe('response head', () => {
  it('parses the status, the reason phrase (with spaces) and the headers', () => {
    const r = res(head('HTTP/1.1 404 Not Found Here', 'Content-Type: text/plain', 'Content-Length: 9'));
    expect(r.status).toBe(404);
    expect(r.reason).toBe('Not Found Here');
    expect(r.versionMinor).toBe(1);
    expect(headerList(r.block)).toEqual(['Content-Type', 'text/plain', 'Content-Length', '9']);
    expect(r.block).toBe('Content-Type: text/plain\r\nContent-Length: 9\r\n');
    expect(r.contentLength).toBe(9);
    expect(r.chunked).toBe(false);
    expect(r.keepAlive).toBe(true);
    expect(r.keepAliveTimeoutS).toBe(-1);
  });

  it('relays header lines as written, minus hop-by-hop ones, with one normalized Content-Length', () => {
    const r = res(head('HTTP/1.1 200 OK', 'Server: up', 'Connection: keep-alive, X-Hop', 'X-Hop: secret', 'date: Thu, 01 Jan 2026 00:00:00 GMT', 'Keep-Alive: timeout=5', 'Content-Length: 5, 5', 'X-Last:  v  '));
    expect(r.block).toBe('Server: up\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\nX-Last: v\r\nContent-Length: 5\r\n');
    expect(r.hasDate).toBe(true);
    expect(r.keepAliveTimeoutS).toBe(5);
    const plain = res(head('HTTP/1.1 200 OK', 'X-A: 1', 'Transfer-Encoding: chunked', 'X-B: 2'));
    expect(plain.block).toBe('X-A: 1\r\nX-B: 2\r\n');
    expect(plain.hasDate).toBe(false);
    expect(res('HTTP/1.1 204 No Content').block).toBe('');
  });

  it('accepts an empty reason phrase, with or without the space', () => {
    expect(res('HTTP/1.1 204').reason).toBe('');
    expect(res('HTTP/1.1 204').status).toBe(204);
    expect(res('HTTP/1.1 204 ').reason).toBe('');
    expect(res(head('HTTP/1.1 200 ', 'Content-Length: 0')).status).toBe(200);
  });

  it('parses 1xx informational heads', () => {
    expect(res('HTTP/1.1 100 Continue').status).toBe(100);
    const hints = res(head('HTTP/1.1 103 Early Hints', 'Link: </a.css>; rel=preload'));
    expect(hints.status).toBe(103);
    expect(headerList(hints.block)).toEqual(['Link', '</a.css>; rel=preload']);
  });

  it('keep-alive: HTTP/1.1 unless Connection: close; HTTP/1.0 only with Connection: keep-alive', () => {
    expect(res(head('HTTP/1.1 200 OK', 'Content-Length: 0')).keepAlive).toBe(true);
    expect(res(head('HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 0')).keepAlive).toBe(false);
    const old = res(head('HTTP/1.0 200 OK', 'Content-Length: 0'));
    expect(old.versionMinor).toBe(0);
    expect(old.keepAlive).toBe(false);
    expect(res(head('HTTP/1.0 200 OK', 'Connection: Keep-Alive', 'Content-Length: 0')).keepAlive).toBe(true);
    expect(res(head('HTTP/1.0 200 OK', 'Connection: keep-alive, close')).keepAlive).toBe(false);
  });

  it('reads the Keep-Alive timeout hint', () => {
    expect(res(head('HTTP/1.1 200 OK', 'Keep-Alive: timeout=5')).keepAliveTimeoutS).toBe(5);
    expect(res(head('HTTP/1.1 200 OK', 'Keep-Alive: max=100, timeout=12')).keepAliveTimeoutS).toBe(12);
    expect(res(head('HTTP/1.1 200 OK', 'keep-alive: Timeout = 7')).keepAliveTimeoutS).toBe(7);
    expect(res(head('HTTP/1.1 200 OK', 'Keep-Alive: max=100')).keepAliveTimeoutS).toBe(-1);
    expect(res(head('HTTP/1.1 200 OK', 'Keep-Alive: xtimeout=9')).keepAliveTimeoutS).toBe(-1);
  });

  it('reads chunked and Content-Length framing', () => {
    const chunked = res(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'));
    expect(chunked.chunked).toBe(true);
    expect(chunked.contentLength).toBe(-1);
    expect(res(head('HTTP/1.1 200 OK', 'Content-Length: 1234')).contentLength).toBe(1234);
    expect(res(head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 3')).contentLength).toBe(3);
    const none = res('HTTP/1.0 200 OK');
    expect(none.contentLength).toBe(-1);
    expect(none.chunked).toBe(false);
  });

  it.each([
    ['two-digit status', 'HTTP/1.1 20 OK'],
    ['four-digit status', 'HTTP/1.1 2000 OK'],
    ['status glued to reason', 'HTTP/1.1 200OK'],
    ['status below 100', 'HTTP/1.1 099 Low'],
    ['letters as status', 'HTTP/1.1 abc OK'],
    ['double space', 'HTTP/1.1  200 OK'],
    ['HTTP/2', 'HTTP/2 200 OK'],
    ['HTTP/2.0', 'HTTP/2.0 200 OK'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK'],
    ['lowercase protocol', 'http/1.1 200 OK'],
    ['not HTTP', 'ICY 200 OK'],
    ['too short', 'HTTP/1.1 2'],
    ['empty', ''],
    ['NUL in reason', 'HTTP/1.1 200 O\u0000K'],
  ])('refuses a malformed status line (%s) with 502', (_label, line) => {
    expect(resError(head(line, 'Content-Length: 0')).status).toBe(502);
  });

  it('refuses ambiguous framing and malformed fields with 502 (the upstream misbehaved)', () => {
    expect(resError(head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Transfer-Encoding: chunked')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'Content-Length: -1')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'X-A: 1', ' folded')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'X-A : 1')).status).toBe(502);
    expect(resError(head('HTTP/1.1 200 OK', 'X-A: a\u0000b')).status).toBe(502);
    expect(resError('HTTP/1.1 200 OK\nContent-Length: 0').status).toBe(502);
    expect(resError('HTTP/1.1 200 OK\rContent-Length: 0').status).toBe(502);
  });
});

/** Collects decoded payload (copied: the sink gets views into the input). */
function collector(): { chunks: Buffer[]; onChunk(data: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  return {
    chunks,
    onChunk(data: Buffer) {
      chunks.push(Buffer.from(data));
    },
    text() {
      return Buffer.concat(chunks).toString('latin1');
    },
  };
}

describe('chunked decoder', () => {
  it('decodes a single chunk and the last chunk', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const input = Buffer.from('5\r\nhello\r\n0\r\n\r\n');
    expect(d.decode(input, 0, sink)).toBe(input.length);
    expect(d.done).toBe(true);
    expect(d.error).toBeNull();
    expect(sink.text()).toBe('hello');
  });

  it('decodes an empty body (last chunk only)', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    expect(d.decode(Buffer.from('0\r\n\r\n'), 0, sink)).toBe(5);
    expect(d.done).toBe(true);
    expect(sink.chunks).toEqual([]);
  });

  it('decodes multiple chunks with upper- and lower-case hex and leading zeros', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const a = 'a'.repeat(0x1a);
    const b = 'B'.repeat(0xff);
    const input = Buffer.from(`1A\r\n${a}\r\nff\r\n${b}\r\n0003\r\nxyz\r\n0\r\n\r\n`);
    expect(d.decode(input, 0, sink)).toBe(input.length);
    expect(d.done).toBe(true);
    expect(sink.text()).toBe(a + b + 'xyz');
  });

  it('decodes from a start offset', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const input = Buffer.from('HEAD-BYTES|3\r\nabc\r\n0\r\n\r\n');
    const start = input.indexOf('|') + 1;
    expect(d.decode(input, start, sink)).toBe(input.length - start);
    expect(sink.text()).toBe('abc');
    expect(d.done).toBe(true);
  });

  it('decodes a body fed one byte per call, with extensions and trailers', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const body = '4;name=value\r\nWiki\r\n5;a;b="q"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0;last\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n';
    const bytes = Buffer.from(body);
    for (let i = 0; i < bytes.length; i++) {
      expect(d.done).toBe(false);
      const used = d.decode(bytes.subarray(i, i + 1), 0, sink);
      expect(used, `byte ${i} (${JSON.stringify(body[i])})`).toBe(1);
    }
    expect(d.done).toBe(true);
    expect(d.error).toBeNull();
    expect(sink.text()).toBe('Wikipedia in\r\n\r\nchunks.');
  });

  it('decodes a body split at every possible boundary into two calls', () => {
    const body = Buffer.from('3;x=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n');
    for (let cut = 0; cut <= body.length; cut++) {
      const d = new ChunkedDecoder();
      const sink = collector();
      const first = d.decode(body.subarray(0, cut), 0, sink);
      const second = d.decode(body.subarray(cut), 0, sink);
      expect(first + second, `cut at ${cut}`).toBe(body.length);
      expect(d.done, `cut at ${cut}`).toBe(true);
      expect(sink.text(), `cut at ${cut}`).toBe('abc0123456789abcdef');
    }
  });

  it('ignores chunk extensions (they never reach the payload)', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const input = Buffer.from('3;ext=";5\\r"\r\nabc\r\n0;done=1\r\n\r\n');
    expect(d.decode(input, 0, sink)).toBe(input.length);
    expect(sink.text()).toBe('abc');
  });

  it('consumes the trailer section and nothing after it', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const message = '2\r\nok\r\n0\r\nChecksum: abc\r\nX-More: 1\r\n\r\n';
    const next = 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n';
    const input = Buffer.from(message + next);
    const used = d.decode(input, 0, sink);
    expect(used).toBe(Buffer.byteLength(message));
    expect(input.subarray(used).toString()).toBe(next);
    expect(sink.text()).toBe('ok');
    expect(d.done).toBe(true);
  });

  it('does not consume bytes after the terminating chunk (returns the count used)', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    const input = Buffer.from('5\r\nhello\r\n0\r\n\r\nEXTRA');
    expect(d.decode(input, 0, sink)).toBe(input.length - 5);
    expect(d.done).toBe(true);
    // Once done, further input is someone else's
    expect(d.decode(Buffer.from('more'), 0, sink)).toBe(0);
    expect(sink.text()).toBe('hello');
  });

  it('stops at the end when the terminator arrives split and more follows in the last piece', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    expect(d.decode(Buffer.from('1\r\nx\r\n0\r'), 0, sink)).toBe(8);
    expect(d.decode(Buffer.from('\n\r'), 0, sink)).toBe(2);
    const last = Buffer.from('\nNEXT');
    expect(d.decode(last, 0, sink)).toBe(1);
    expect(d.done).toBe(true);
    expect(sink.text()).toBe('x');
  });

  it.each([
    ['non-hex size', 'zz\r\nab\r\n0\r\n\r\n'],
    ['empty size', '\r\nab\r\n'],
    ['negative size', '-5\r\nhello\r\n'],
    ['0x prefix', '0x5\r\nhello\r\n'],
    ['space after size', '5 \r\nhello\r\n'],
    ['space before size', ' 5\r\nhello\r\n'],
    ['13 hex digits (oversized)', '1000000000000\r\nx\r\n'],
    ['CR inside the size line', '5\rX\r\nhello\r\n'],
  ])('refuses a chunk size that is not hex (%s)', (_label, text) => {
    const d = new ChunkedDecoder();
    expect(d.decode(Buffer.from(text), 0, collector())).toBe(-1);
    expect(d.error).toMatch(/size|LF/i);
    expect(d.done).toBe(false);
  });

  it('refuses chunk data not followed by CRLF', () => {
    for (const text of ['5\r\nhelloX\r\n0\r\n\r\n', '5\r\nhello\rX0\r\n\r\n', '5\r\nhello\n0\r\n\r\n', '3\r\nhello\r\n0\r\n\r\n']) {
      const d = new ChunkedDecoder();
      expect(d.decode(Buffer.from(text), 0, collector()), JSON.stringify(text)).toBe(-1);
      expect(d.error).toMatch(/CRLF/);
    }
  });

  it('refuses a bare LF in the framing (size line or trailer section)', () => {
    for (const text of ['5\nhello\r\n0\r\n\r\n', '0\n\r\n', '0\r\n\n', '0\r\nX-T: 1\n\r\n', '5;ext\nhello\r\n']) {
      const d = new ChunkedDecoder();
      expect(d.decode(Buffer.from(text), 0, collector()), JSON.stringify(text)).toBe(-1);
      expect(d.error).not.toBeNull();
      expect(d.done).toBe(false);
    }
  });

  it('refuses malformed trailer lines', () => {
    for (const text of ['0\r\nno colon\r\n\r\n', '0\r\n: empty name\r\n\r\n', '0\r\nX: a\rb\r\n\r\n']) {
      const d = new ChunkedDecoder();
      expect(d.decode(Buffer.from(text), 0, collector()), JSON.stringify(text)).toBe(-1);
      expect(d.error).toMatch(/trailer/);
    }
  });

  it('refuses an oversized chunk-size line, also when it arrives in pieces', () => {
    const whole = new ChunkedDecoder();
    expect(whole.decode(Buffer.from('5;' + 'e'.repeat(5000) + '\r\nhello\r\n'), 0, collector())).toBe(-1);
    expect(whole.error).toMatch(/too long/);

    // No LF yet: the decoder must not buffer a size line without bound.
    const pieces = new ChunkedDecoder();
    const sink = collector();
    expect(pieces.decode(Buffer.from('5;' + 'e'.repeat(3000)), 0, sink)).toBe(3002);
    expect(pieces.decode(Buffer.from('e'.repeat(3000)), 0, sink)).toBe(-1);
    expect(pieces.error).toMatch(/too long/);
  });

  it('refuses an oversized trailer section', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    expect(d.decode(Buffer.from('0\r\n'), 0, sink)).toBe(3);
    let result = 0;
    for (let i = 0; i < 100 && result !== -1; i++) result = d.decode(Buffer.from(`X-T${i}: ${'v'.repeat(500)}\r\n`), 0, sink);
    expect(result).toBe(-1);
    expect(d.error).toMatch(/trailer/);
  });

  it('consumes nothing more once it has failed (as its `error` contract says)', () => {
    const d = new ChunkedDecoder();
    const sink = collector();
    // "hello" is followed by "XY" instead of CRLF: malformed.
    expect(d.decode(Buffer.from('5\r\nhelloXY'), 0, sink)).toBe(-1);
    const error = d.error;
    expect(error).not.toBeNull();
    // Valid-looking bytes after the failure must not be decoded as payload.
    const after = Buffer.from('\r\n3\r\nbad\r\n0\r\n\r\n');
    expect(d.decode(after, 0, sink)).toBe(-1);
    expect(sink.text()).toBe('hello');
    expect(d.done).toBe(false);
    expect(d.error).toBe(error);
  });

  it('frames chunks the way the decoder reads them (round trip)', () => {
    const pieces = ['a', 'bc'.repeat(100), 'x'.repeat(4096)];
    const wire = pieces.map((p) => chunkPrefix(p.length) + p + '\r\n').join('') + LAST_CHUNK;
    expect(chunkPrefix(255)).toBe('ff\r\n');
    const d = new ChunkedDecoder();
    const sink = collector();
    expect(d.decode(Buffer.from(wire), 0, sink)).toBe(wire.length);
    expect(sink.text()).toBe(pieces.join(''));
  });
});
