// The HTTP/1.1 layer's reading of protocol switches and trailers: which requests ask to upgrade
// (RFC 9110 7.8: an Upgrade header named by Connection), `TE: trailers`, and which trailer fields
// a chunked answer may pass on.
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../../src/runtime/gateway/http1/chunked.js';
import { isHeadError, parseRequestHead, type RequestHead } from '../../src/runtime/gateway/http1/head.js';

function request(lines: string[]): RequestHead {
  const parsed = parseRequestHead(['GET /ws HTTP/1.1', 'Host: x', ...lines].join('\r\n'), 8192);
  if (isHeadError(parsed)) throw new Error(parsed.message);
  return parsed;
}

describe('upgrade requests', () => {
  it('are an Upgrade header named by Connection', () => {
    expect(request(['Connection: Upgrade', 'Upgrade: websocket']).upgrade).toBe('websocket');
    expect(request(['Connection: keep-alive, Upgrade', 'Upgrade: websocket']).upgrade).toBe('websocket');
    expect(request(['connection: upgrade', 'upgrade: h2c']).upgrade).toBe('h2c');
  });

  it('are not an Upgrade header alone, Connection alone, a request with a body, or HTTP/1.0', () => {
    expect(request(['Upgrade: websocket']).upgrade).toBeNull();
    expect(request(['Connection: Upgrade']).upgrade).toBeNull();
    expect(request(['Connection: close']).upgrade).toBeNull();
    expect(request([]).upgrade).toBeNull();
    expect(request(['Connection: Upgrade', 'Upgrade: websocket', 'Content-Length: 3']).upgrade).toBeNull();
    expect(request(['Connection: Upgrade', 'Upgrade: websocket', 'Transfer-Encoding: chunked']).upgrade).toBeNull();
    const h10 = parseRequestHead('GET / HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket', 8192);
    expect(isHeadError(h10) ? 'error' : h10.upgrade).toBeNull();
  });
});

describe('TE: trailers', () => {
  it('is read from the TE header, with parameters and lists', () => {
    expect(request(['TE: trailers']).teTrailers).toBe(true);
    expect(request(['te: gzip;q=0.5, Trailers']).teTrailers).toBe(true);
    expect(request(['TE: gzip']).teTrailers).toBe(false);
    expect(request([]).teTrailers).toBe(false);
  });
});

function decodeAll(text: string, keep: boolean): { decoder: ChunkedDecoder; body: string; used: number } {
  const decoder = new ChunkedDecoder(keep);
  let body = '';
  const used = decoder.decode(Buffer.from(text, 'latin1'), 0, { onChunk: (d) => (body += d.toString('latin1')) });
  return { decoder, body, used };
}

describe('chunked trailers', () => {
  it('are kept when asked for, in order, as lines', () => {
    const { decoder, body } = decodeAll('3\r\nabc\r\n0\r\ngrpc-status: 0\r\ngrpc-message: OK\r\n\r\n', true);
    expect(body).toBe('abc');
    expect(decoder.done).toBe(true);
    expect(decoder.trailers).toBe('grpc-status: 0\r\ngrpc-message: OK\r\n');
  });

  it('are dropped by a decoder not asked to keep them', () => {
    expect(decodeAll('0\r\ngrpc-status: 0\r\n\r\n', false).decoder.trailers).toBeNull();
  });

  it('never carry framing, routing, auth or control fields', () => {
    const forbidden = ['Content-Length: 5', 'Transfer-Encoding: chunked', 'Host: evil', 'Set-Cookie: a=b', 'Authorization: x', 'Trailer: x', 'Connection: close', 'Content-Type: text/html', 'Cache-Control: no-store', 'Location: /x'];
    const { decoder } = decodeAll(`0\r\n${forbidden.join('\r\n')}\r\nx-checksum: 42\r\n\r\n`, true);
    expect(decoder.done).toBe(true);
    expect(decoder.trailers).toBe('x-checksum: 42\r\n');
  });

  it('that are malformed fail the body as before', () => {
    for (const bad of ['0\r\nbad name: x\r\n\r\n', '0\r\n folded: x\r\n\r\n', '0\r\nx: a\u0001b\r\n\r\n', '0\r\nnocolon\r\n\r\n']) {
      expect(decodeAll(bad, true).used).toBe(-1);
    }
  });
});
