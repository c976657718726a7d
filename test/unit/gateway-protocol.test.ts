import { describe, expect, it } from 'vitest';
import { dropConnectionListed, scanRequestHeaders, type RequestHeaderSink } from '../../src/runtime/gateway/headers.js';
import { headerList, parseResponseHead, type ResponseHead } from '../../src/runtime/gateway/http1/head.js';
import { assignIds } from '../../src/runtime/gateway/ids.js';
import { SseParser, type SseEvent } from '../../src/runtime/gateway/sse.js';
import { ApiKeys } from '../../src/runtime/gateway/features/auth/authenticator.js';
import { jwtReason } from '../../src/runtime/gateway/features/auth/jwt.js';
import { errors } from 'jose';
import { parseGatewayConfig } from '../../src/runtime/gateway/config.js';

function sink(): RequestHeaderSink {
  return { requestId: null, traceparent: null, connection: null, forwardedFor: null, forwardedProto: null, forwardedHost: null, host: null, origin: null, apiKey: null, authorization: null, ifNoneMatch: null };
}

describe('request header scan', () => {
  it('drops hop-by-hop and gateway-owned headers and remembers values', () => {
    const s = sink();
    const out: string[] = [];
    const extra = scanRequestHeaders(['Host', 'a', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'X-Request-Id', 'r1', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'Accept', '*/*'], s, out);
    expect(extra).toBe(true);
    expect(s).toMatchObject({ host: 'a', requestId: 'r1', forwardedFor: '1.1.1.1, 2.2.2.2' });
    expect(dropConnectionListed(out, s.connection!)).toEqual(['Host', 'a', 'Accept', '*/*']);
  });

  it('filters response hop-by-hop headers and those named in Connection', () => {
    const head = parseResponseHead('HTTP/1.1 200 OK\r\nConnection: x-a\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\nKeep-Alive: timeout=5') as ResponseHead;
    expect(headerList(head.block)).toEqual(['Content-Type', 'text/plain']);
  });
});

describe('ids', () => {
  it('uses a trace it starts as the request id, and never a continued trace as one', () => {
    const fresh = { requestId: null, traceparent: null } as { requestId: string | null; traceparent: string | null };
    assignIds(fresh);
    expect(fresh.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(fresh.requestId).toBe(fresh.traceparent!.slice(3, 35));
    const continued = { requestId: 'bad id', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } as { requestId: string | null; traceparent: string | null };
    assignIds(continued);
    expect(continued.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(continued.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(continued.requestId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    const kept = { requestId: 'req-1', traceparent: null } as { requestId: string | null; traceparent: string | null };
    assignIds(kept);
    expect(kept.requestId).toBe('req-1');
  });

  it('keeps sane request ids and generates others', () => {
    const ids = (requestId: string | null, traceparent: string | null = null) => {
      const x = { requestId, traceparent };
      assignIds(x);
      return x;
    };
    expect(ids('abc-1').requestId).toBe('abc-1');
    expect(ids('has space').requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(ids(null).requestId).not.toBe(ids(null).requestId);
  });
  it('continues valid traceparents and refuses all-zero ids', () => {
    const trace = (traceparent: string) => {
      const x = { requestId: null, traceparent } as { requestId: string | null; traceparent: string | null };
      assignIds(x);
      return x.traceparent;
    };
    expect(trace('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00')).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(trace('00-00000000000000000000000000000000-b7ad6b7169203331-01')).not.toContain('0000000000000000000000000000000');
  });
});

describe('SseParser', () => {
  it('parses events split across chunks, with comments and CRLF', () => {
    const events: SseEvent[] = [];
    const p = new SseParser((e) => events.push(e));
    p.push(': ping\n\nid: 3\r\nevent: snap');
    p.push('shot\ndata: {"a":\ndata: 1}\n\n');
    expect(events).toEqual([{ id: '3', event: 'snapshot', data: '{"a":\n1}' }]);
  });
});

describe('auth helpers', () => {
  it('matches API keys by digest and skips keys whose env var is unset', () => {
    const warnings: object[] = [];
    const keys = new ApiKeys([{ name: 'a', env: 'A' }, { name: 'b', env: 'B' }], { A: 'secret-a' }, { info() {}, warn: (o) => warnings.push(o), error() {} });
    expect(keys.size).toBe(1);
    expect(keys.check('secret-a')).toBe('a');
    expect(keys.check('secret-b')).toBeNull();
    expect(warnings).toHaveLength(1);
  });
  it('maps jose errors to reasons', () => {
    expect(jwtReason(new errors.JOSEAlgNotAllowed('x'))).toBe('token algorithm not allowed');
    expect(jwtReason(new Error('x'))).toBe('token rejected');
  });
});

describe('parseGatewayConfig', () => {
  it('names the file and the problem', () => {
    expect(() => parseGatewayConfig('{', 'g.json')).toThrow(/g.json: not valid JSON/);
    expect(() => parseGatewayConfig('{"version":1}', 'g.json')).toThrow(/g.json: invalid \(project:/);
  });
});
