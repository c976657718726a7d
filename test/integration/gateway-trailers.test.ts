// Trailers through the gateway, on the wire: a chunked answer's trailer fields reach a client
// that sent `TE: trailers` (gRPC-web reads its status from them), minus the fields no trailer may
// carry; any other client gets the body without them, as before.
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureScope, rawRequest } from './gateway-helpers.js';
import { rawUpstream } from './gateway-raw-helpers.js';

const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

const CHUNKED_WITH_TRAILERS =
  'HTTP/1.1 200 OK\r\nContent-Type: application/grpc-web+proto\r\nTrailer: grpc-status, grpc-message\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5\r\nhello\r\n0\r\ngrpc-status: 0\r\ngrpc-message: OK\r\nContent-Length: 999\r\nSet-Cookie: a=b\r\n\r\n';

async function gateway() {
  const up = await rawUpstream(fixtures, (socket) => socket.write(CHUNKED_WITH_TRAILERS));
  const gw = await fixtures.gatewayFor(up.port);
  return { up, gw };
}

/** The part of a raw chunked answer after the last chunk's size line. */
function tail(answer: string): string {
  return answer.slice(answer.lastIndexOf('\r\n0\r\n') + 5);
}

describe('trailers', () => {
  it('are relayed on a chunked answer when the client sent TE: trailers, without forbidden fields', async () => {
    const { up, gw } = await gateway();
    const answer = await rawRequest(gw.port, 'GET /s/x HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: TE, close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(answer).toContain('\r\n5\r\nhello\r\n');
    expect(tail(answer)).toBe('grpc-status: 0\r\ngrpc-message: OK\r\n\r\n');
    // TE is hop-by-hop and stays with this hop: the upstream sends its trailers anyway.
    expect(up.requests[0].head).not.toMatch(/\r\nte:/i);
  });

  it('are dropped for a client that did not ask for them', async () => {
    const { up, gw } = await gateway();
    const answer = await rawRequest(gw.port, 'GET /s/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer).toContain('\r\n5\r\nhello\r\n');
    expect(tail(answer)).toBe('\r\n');
    expect(up.requests[0].head).not.toMatch(/\r\nte:/i);
  });

  it('keep a keep-alive connection in sync: the next pipelined request gets its own answer', async () => {
    const { gw } = await gateway();
    const one = 'GET /s/1 HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n';
    const two = 'GET /s/2 HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n';
    const answer = await rawRequest(gw.port, one + two);
    const answers = answer.split(/(?=HTTP\/1\.1 200 )/);
    expect(answers).toHaveLength(2);
    for (const a of answers) expect(tail(a)).toBe('grpc-status: 0\r\ngrpc-message: OK\r\n\r\n');
  });
});
