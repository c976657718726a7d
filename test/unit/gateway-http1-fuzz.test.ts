// Property-based fuzzing (fast-check) of the gateway's HTTP/1.1 head parser (head.ts) and
// chunked decoder (chunked.ts), bounded in time so CI stays fast: each property runs up to
// NUM_RUNS inputs or TIME_LIMIT_MS, whichever comes first (a failure prints its seed and the
// shrunk input). Inputs are built from the pieces parsers disagree on (CR, LF, NUL, SP, HTAB,
// colons, commas, obs-text, framing header names) so that most runs reach deep code paths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, chunkPrefix, LAST_CHUNK } from '../../src/runtime/gateway/http1/chunked.js';
import { isHeadError, parseRequestHead, parseResponseHead, type RequestHead } from '../../src/runtime/gateway/http1/head.js';

const NUM_RUNS = 3_000;
const TIME_LIMIT_MS = 2_500;
const budget = { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS };

/** A latin1 "byte" biased towards the characters that matter to HTTP framing. */
const byteChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('\r', '\n', '\r\n', '\0', ' ', '\t', ':', ',', ';', '=', '"', '\x0b', '\x7f', '\xe9', '\xff', '0', '5', 'a', 'x', '/') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) },
);
const fuzzText = (maxLength: number, minLength = 0): fc.Arbitrary<string> => fc.array(byteChar, { minLength, maxLength }).map((a) => a.join(''));

const methods = fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'get', 'FOO', 'M-SEARCH', '');
const targets = fc.oneof(fc.constantFrom('/', '/a?b=c', '*', 'http://a/x', '/%e9'), fuzzText(12).map((t) => `/${t}`));
const versions = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'http/1.1', '');
const names = fc.oneof(
  fc.constantFrom('Host', 'Content-Length', 'content-length', 'Transfer-Encoding', 'Connection', 'Expect', 'Keep-Alive', 'X-A', 'Trailer'),
  fuzzText(6),
);
const values = fc.oneof(fc.constantFrom('a', 'chunked', '5', '5, 5', '05', '+5', 'close', 'keep-alive', '100-continue', 'content-length', ''), fuzzText(10));
const separators = fc.constantFrom(': ', ':', ' : ', ':\t', ': \t');
const lineEnds = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r', '\r\n ');

/** A request or response head: a start line and header lines, mostly well-formed, often not. */
const headOf = (startLine: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(startLine, fc.array(fc.tuple(names, separators, values, lineEnds), { maxLength: 8 }))
    .map(([start, fields]) => [start, ...fields.map(([n, s, v, e]) => `${n}${s}${v}${e}`)].join('\r\n').replace(/(\r\n|\n|\r|\r\n )$/, ''));

/** What the server hands the parser: the bytes before the first blank line (never a CRLF at the end). */
const asOnTheWire = (text: string): string => {
  const wire = `${text}\r\n\r\n`;
  return wire.slice(0, wire.indexOf('\r\n\r\n'));
};

/** Mostly acceptable heads (so that the properties about accepted heads get many): a valid start line and Host, then fields whose values stress trimming, lists and obs-text. */
const plausibleValue = fc.oneof(
  { weight: 3, arbitrary: values },
  { weight: 2, arbitrary: fc.array(fc.constantFrom('a', ' ', '\t', ',', ';', '=', '"', '\xe9', '\xff', '5', '0', 'chunked', 'close'), { maxLength: 8 }).map((a) => a.join('')) },
);
const plausibleHead = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE'),
    fc.oneof(fc.constantFrom('/', '/a?b=c', '/x/%e9'), fc.stringMatching(/^\/[!-~]{0,10}$/)),
    fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
    fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/) }, names), fc.constantFrom(': ', ':', ':\t', ':  '), plausibleValue), { maxLength: 6 }),
  )
  .map(([m, t, v, fields]) => [`${m} ${t} ${v}`, 'Host: a', ...fields.map(([n, sep, val]) => `${n}${sep}${val}`)].join('\r\n'));

const requestHeads = fc.oneof(
  { weight: 4, arbitrary: plausibleHead },
  { weight: 1, arbitrary: headOf(fc.tuple(methods, targets, versions).map(([m, t, v]) => `${m} ${t} ${v}`)) },
  { weight: 1, arbitrary: fuzzText(120) },
).map(asOnTheWire);
const responseHeads = fc.oneof(
  headOf(fc.tuple(fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2'), fc.constantFrom('200', '204', '304', '100', '999', '20', 'abc'), fc.constantFrom(' OK', '', ' ', ' a b')).map(([v, s, r]) => `${v} ${s}${r}`)),
  fuzzText(120),
).map(asOnTheWire);

/** An accepted request head written back out: what the gateway relays as it understood it. */
function reserialize(h: RequestHead): string {
  const lines = [`${h.method} ${h.url} HTTP/1.${h.versionMinor}`];
  for (let i = 0; i < h.rawHeaders.length; i += 2) lines.push(`${h.rawHeaders[i]}: ${h.rawHeaders[i + 1]}`);
  return lines.join('\r\n');
}

describe('fuzz: request head parser', () => {
  it('never throws (on any text, even one no connection could hand it), and answers a head or a refusal with an HTTP error status', () => {
    fc.assert(
      fc.property(fc.oneof(requestHeads, fuzzText(200)), (text) => {
        const r = parseRequestHead(text, 8192);
        if (isHeadError(r)) expect([400, 414, 417, 431, 501, 505]).toContain(r.status);
      }),
      budget,
    );
  });

  it('accepts only heads that re-serialise to the same lines: nothing merged, dropped, folded or reinterpreted', () => {
    let runs = 0;
    let accepted = 0;
    fc.assert(
      fc.property(requestHeads, (text) => {
        runs++;
        const r = parseRequestHead(text, 8192);
        if (isHeadError(r)) return;
        accepted++;
        const lines = text.split('\r\n');
        // One header per line, in order, each line exactly `name:` OWS value OWS.
        expect(r.rawHeaders.length / 2).toBe(lines.length - 1);
        expect(lines[0]).toBe(`${r.method} ${r.url} HTTP/1.${r.versionMinor}`);
        for (let i = 0; i < r.rawHeaders.length; i += 2) {
          const line = lines[i / 2 + 1];
          const name = r.rawHeaders[i];
          const value = r.rawHeaders[i + 1];
          expect(line.startsWith(`${name}:`)).toBe(true);
          const raw = line.slice(name.length + 1).replace(/^[ \t]+|[ \t]+$/g, '');
          if (name.toLowerCase() === 'content-length') expect(value).toBe(String(Number(raw)));
          else expect(value).toBe(raw);
        }
        // The relayed form parses to the same request: same framing, same connection facts.
        const again = parseRequestHead(reserialize(r), 8192);
        expect(again).toEqual(r);
        // Framing is never ambiguous once accepted.
        expect(r.chunked && r.contentLength !== -1).toBe(false);
      }),
      budget,
    );
    // The property means something only if many inputs got past the checks.
    expect(accepted / runs).toBeGreaterThan(0.1);
  });
});

describe('fuzz: response head parser', () => {
  it('never throws; refusals are 502; the relayed block has only CRLF-terminated header lines and at most one Content-Length', () => {
    fc.assert(
      fc.property(responseHeads, fuzzText(200), (text, any) => {
        expect(() => parseResponseHead(any)).not.toThrow();
        const r = parseResponseHead(text);
        if (isHeadError(r)) return void expect(r.status).toBe(502);
        expect(r.block === '' || r.block.endsWith('\r\n')).toBe(true);
        for (const line of r.block.split('\r\n').slice(0, -1)) {
          expect(line).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/);
          expect(line).not.toMatch(/[\0-\x08\x0a-\x1f\x7f]/);
        }
        expect((r.block.match(/^content-length:/gim) ?? []).length).toBeLessThanOrEqual(1);
        expect(r.block).not.toMatch(/^(transfer-encoding|connection|keep-alive):/im);
        expect(r.chunked && r.contentLength !== -1).toBe(false);
      }),
      budget,
    );
  });
});

/** Decode `input` fed in pieces cut at `cuts`: payload, consumed bytes, done, error. */
function decodeInPieces(input: Buffer, cuts: number[]): { payload: string; used: number; done: boolean; error: string | null } {
  const d = new ChunkedDecoder();
  const parts: Buffer[] = [];
  const sink = { onChunk: (b: Buffer) => void parts.push(Buffer.from(b)) };
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  let used = 0;
  let from = 0;
  for (const to of [...points, input.length]) {
    if (to <= from || d.done || d.error !== null) continue;
    const n = d.decode(input.subarray(from, to), 0, sink);
    if (n < 0) break;
    used += n;
    if (d.done) break;
    from = to;
  }
  return { payload: Buffer.concat(parts).toString('latin1'), used, done: d.done, error: d.error };
}

const chunkedBodies = fc
  .tuple(
    // Non-empty data: an empty chunk is the last chunk.
    fc.array(fc.tuple(fuzzText(20, 1), fc.constantFrom('', ';a', ';a=b', ';a="b c"', ';a=', ' ;a', ';\x01')), { maxLength: 6 }),
    fc.constantFrom(LAST_CHUNK, '0\r\nX: 1\r\n\r\n', '0\r\nX : 1\r\n\r\n', '0\r\n'),
    fuzzText(10),
  )
  .map(([chunks, last, next]) => ({
    // Bytes of the next message follow a complete body (an incomplete one gets none: they could complete it).
    encoded: chunks.map(([data, ext]) => `${chunkPrefix(data.length).slice(0, -2)}${ext}\r\n${data}\r\n`).join('') + last + (last === '0\r\n' ? '' : next),
    payload: chunks.map(([d]) => d).join(''),
    messageLength: chunks.map(([data, ext]) => `${chunkPrefix(data.length).slice(0, -2)}${ext}\r\n${data}\r\n`).join('').length + last.length,
    wellFormed: chunks.every(([, ext]) => ['', ';a', ';a=b', ';a="b c"'].includes(ext)) && (last === LAST_CHUNK || last === '0\r\nX: 1\r\n\r\n'),
  }));

describe('fuzz: chunked decoder', () => {
  it('never throws on arbitrary bytes, and gives the same verdict however the input is split', () => {
    fc.assert(
      fc.property(fc.oneof(fuzzText(80), chunkedBodies.map((b) => b.encoded)), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        const input = Buffer.from(text, 'latin1');
        const whole = decodeInPieces(input, []);
        const split = decodeInPieces(input, cuts);
        expect(split.done).toBe(whole.done);
        expect(split.error === null).toBe(whole.error === null);
        if (whole.done) {
          expect(split.payload).toBe(whole.payload);
          expect(split.used).toBe(whole.used);
        }
      }),
      budget,
    );
  });

  it('decodes a well-formed body to its payload and stops exactly at its end; refuses bad extensions and trailers', () => {
    fc.assert(
      fc.property(chunkedBodies, fc.array(fc.nat(), { maxLength: 6 }), (body, cuts) => {
        const r = decodeInPieces(Buffer.from(body.encoded, 'latin1'), cuts);
        if (body.wellFormed) {
          expect(r.error).toBeNull();
          expect(r.done).toBe(true);
          expect(r.payload).toBe(body.payload);
          expect(r.used).toBe(body.messageLength); // what follows is the next message's
        } else {
          expect(r.done).toBe(false);
        }
      }),
      budget,
    );
  });
});
