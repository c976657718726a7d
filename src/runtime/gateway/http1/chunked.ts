// Incremental, strict decoder for the chunked transfer coding (RFC 9112 section 7.1). The
// gateway decodes every chunked body it relays and re-frames it itself, so what it forwards
// is exactly what it understood. Chunk extensions and trailers are checked against their
// grammar (as strictly as llhttp) and dropped; a decoder made with `keepTrailers` keeps the
// trailer fields that may be relayed (see RELAYABLE) for a client that asked for them.

import { isToken } from './head.js';

export interface ChunkSink {
  /** A piece of payload (a view into the input buffer: copy it to keep it past this call). */
  onChunk(data: Buffer): void;
}

const SIZE = 0;
const DATA = 1;
const DATA_CR = 2;
const DATA_LF = 3;
const TRAILER = 4;
const DONE = 5;

/** Longest chunk-size line (size + extensions) and trailer section accepted. */
const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

export class ChunkedDecoder {
  private state = SIZE;
  private remaining = 0;
  private line = '';
  private trailerBytes = 0;
  /** Set once the input is malformed; the decoder consumes nothing more. */
  error: string | null = null;
  /** With `keepTrailers`: the relayable trailer lines, each ending in CRLF ('' when none). */
  trailers: string | null;

  constructor(keepTrailers = false) {
    this.trailers = keepTrailers ? '' : null;
  }

  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Decode from `buf[start..]`. Returns how many bytes were consumed: all of them, or fewer
   * when the body ended inside the buffer (what follows belongs to the next message).
   * Returns -1 on malformed input (see `error`).
   */
  decode(buf: Buffer, start: number, sink: ChunkSink): number {
    if (this.error !== null) return -1;
    let i = start;
    const end = buf.length;
    while (i < end) {
      switch (this.state) {
        case DATA: {
          const take = Math.min(this.remaining, end - i);
          sink.onChunk(buf.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (buf[i++] !== 13) return this.fail('chunk data not followed by CRLF');
          this.state = DATA_LF;
          break;
        case DATA_LF:
          if (buf[i++] !== 10) return this.fail('chunk data not followed by CRLF');
          this.state = SIZE;
          break;
        case SIZE:
        case TRAILER: {
          const lf = buf.indexOf(10, i);
          const stop = lf === -1 ? end : lf + 1;
          this.line += buf.toString('latin1', i, stop);
          if (this.state === TRAILER) {
            this.trailerBytes += stop - i;
            if (this.trailerBytes > MAX_TRAILER_BYTES) return this.fail('chunked trailer section too large');
          } else if (this.line.length > MAX_LINE) {
            return this.fail('chunk size line too long');
          }
          i = stop;
          if (lf === -1) break;
          const line = this.line;
          this.line = '';
          if (line.length < 2 || line.charCodeAt(line.length - 2) !== 13) return this.fail('bare LF in chunked framing');
          const content = line.slice(0, -2);
          if (this.state === TRAILER) {
            if (content === '') {
              this.state = DONE;
              return i - start;
            }
            if (!isTrailerLine(content)) return this.fail('malformed chunked trailer');
            if (this.trailers !== null && mayRelayTrailer(content)) this.trailers += `${content}\r\n`;
            break;
          }
          const size = parseChunkSize(content);
          if (size < 0) return this.fail('invalid chunk size');
          if (size === 0) this.state = TRAILER;
          else {
            this.remaining = size;
            this.state = DATA;
          }
          break;
        }
        default:
          return i - start; // DONE: the rest is the next message
      }
    }
    return i - start;
  }

  private fail(message: string): number {
    this.error = message;
    return -1;
  }
}

/**
 * A trailer field line: a token name right before the colon, then a value of visible
 * characters, SP, HTAB and obs-text (what llhttp accepts; a space before the colon is refused
 * as in the head).
 */
function isTrailerLine(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon <= 0 || !isToken(line.slice(0, colon))) return false;
  for (let i = colon + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

/**
 * Fields a trailer must never carry (RFC 9110 6.5.1): framing, routing, hop-by-hop, request
 * modifiers, authentication, response control and payload-processing fields, which a recipient
 * could otherwise merge into the head and act on after the fact. Dropped, not relayed.
 */
const NOT_IN_TRAILERS = new Set([
  'content-length', 'transfer-encoding', 'host', 'trailer', 'te', 'connection', 'keep-alive', 'upgrade', 'proxy-connection',
  'proxy-authenticate', 'proxy-authorization', 'authorization', 'www-authenticate', 'set-cookie', 'cookie', 'cache-control',
  'expect', 'max-forwards', 'pragma', 'range', 'age', 'expires', 'date', 'location', 'retry-after', 'vary', 'warning',
  'content-encoding', 'content-type', 'content-range',
]);

function mayRelayTrailer(line: string): boolean {
  return !NOT_IN_TRAILERS.has(line.slice(0, line.indexOf(':')).toLowerCase());
}

/** RFC 9112 7.1.1 chunk extensions, without whitespace: `*( ";" token [ "=" ( token / quoted-string ) ] )`. */
const CHUNK_EXTENSIONS = /^(?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;

/** Hex size with optional `;extensions`; -1 when malformed or absurdly large. */
function parseChunkSize(line: string): number {
  const semi = line.indexOf(';');
  const hex = semi === -1 ? line : line.slice(0, semi);
  if (hex.length === 0 || hex.length > 12) return -1;
  let n = 0;
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    n = n * 16 + d;
  }
  if (semi !== -1 && !CHUNK_EXTENSIONS.test(line.slice(semi))) return -1;
  return n;
}

/** Frame one chunk of payload for the chunked coding: size line + data + CRLF. */
export function chunkPrefix(length: number): string {
  return `${length.toString(16)}\r\n`;
}

export const LAST_CHUNK = '0\r\n\r\n';
