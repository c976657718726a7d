// Strict HTTP/1.1 message-head parsing for the gateway's own data plane (see server.ts and
// upstream-pool.ts for why it has one). Pure: a head in, a description or an error out.
// Strictness is the point for a proxy: anything two parsers could read differently (request
// smuggling) is refused instead of guessed at — bare CR or LF, obs-fold continuation lines,
// whitespace before a colon, repeated or conflicting Content-Length values, Content-Length together with
// Transfer-Encoding, any transfer coding but a lone `chunked`, control characters in values.

export interface HeadError {
  readonly status: 400 | 408 | 414 | 417 | 431 | 501 | 505 | 502;
  readonly message: string;
}

export interface RequestHead {
  method: string;
  /** The request target exactly as sent (origin-form or absolute-form). */
  url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: number;
  /** Flat [name, value, name, value, ...] in arrival order; names as sent, values trimmed. */
  rawHeaders: string[];
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** The connection may carry another request after this one. */
  keepAlive: boolean;
  expectContinue: boolean;
  /**
   * The Upgrade header's value when the request asks to switch protocols (RFC 9110 7.8: an
   * Upgrade header named by Connection, on a request without a body), else null. Found through
   * the Connection header's listed names, so a request without one pays nothing for it.
   */
  upgrade: string | null;
  /** The client accepts trailer fields in a chunked answer (`TE: trailers`). */
  teTrailers: boolean;
}

export interface ResponseHead {
  status: number;
  reason: string;
  versionMinor: number;
  /**
   * The header lines to relay, each ending in CRLF, as the upstream wrote them: without
   * hop-by-hop headers (nor those its Connection header names), Content-Length normalized.
   * Kept as text so relaying an answer costs no per-header work (see headerList()).
   */
  block: string;
  /** The upstream sent a Date header. */
  hasDate: boolean;
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
  /** Seconds from `Keep-Alive: timeout=N`, or -1. */
  keepAliveTimeoutS: number;
}

const CRLF = '\r\n';
/** The blank line that ends every message head. */
export const HEAD_END = Buffer.from('\r\n\r\n');

/** RFC 9110 tchar lookup: what a method or a header name may contain. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/**
 * The request methods Node's parser (llhttp) knows, i.e. every method a Node service behind the
 * gateway can receive. Anything else, lowercase spellings included, is refused (400) rather
 * than relayed to a backend that may read it differently; one Set lookup per request (none
 * for GET and POST, compared first).
 */
const KNOWN_METHODS = new Set([
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY',
  'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY',
  'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
]);

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return false;
  }
  return true;
}

/**
 * True when the head holds anything but CRLF line ends and visible characters, SP, HTAB and
 * obs-text: NUL and other controls, a CR not followed by LF, an LF not preceded by CR. One
 * pass over the whole head (measured 4x faster than a regex with lookarounds).
 */
function hasBadHeadBytes(head: string): boolean {
  const n = head.length;
  for (let i = 0; i < n; i++) {
    const c = head.charCodeAt(i);
    if (c >= 32) {
      if (c === 127) return true;
      continue;
    }
    if (c === 13) {
      if (head.charCodeAt(i + 1) !== 10) return true;
      i++; // the LF of this CRLF
    } else if (c !== 9) {
      return true;
    }
  }
  return false;
}


/**
 * Request target: visible ASCII only (it is delimited by single spaces). Raw bytes above 0x7e
 * are refused as llhttp refuses them: a URL carries them percent-encoded, and a backend that
 * decodes them as UTF-8 or latin1 could route the same bytes differently.
 */
function isTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 32 || s.charCodeAt(start) === 9)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** What a Connection header says (RFC 9110 7.6.1); repeated headers accumulate. */
export interface ConnectionOptions {
  connectionClose: boolean;
  connectionKeepAlive: boolean;
  /** Header names the Connection header lists (comma-separated, lowercase), or null. */
  listed: string | null;
}

/**
 * The one reading of a Connection header value, for requests and responses here and for the
 * gateway's request-header pass (gateway/headers.ts): close, keep-alive, and the names listed.
 */
export function readConnection(value: string, into: ConnectionOptions): void {
  // The usual values without splitting.
  const v = value.length <= 10 ? value.toLowerCase() : '';
  if (v === 'keep-alive') into.connectionKeepAlive = true;
  else if (v === 'close') into.connectionClose = true;
  else {
    for (const token of value.split(',')) {
      const t = trimOws(token).toLowerCase();
      if (t === 'close') into.connectionClose = true;
      else if (t === 'keep-alive') into.connectionKeepAlive = true;
      else if (t !== '') into.listed = into.listed === null ? t : `${into.listed},${t}`;
    }
  }
}

/** The framing and connection facts every message head shares. */
interface Framing extends ConnectionOptions {
  contentLength: number;
  chunked: boolean;
  transferEncoding: boolean;
  keepAliveTimeoutS: number;
  host: number;
  expectContinue: boolean;
  expectOther: boolean;
  /** `TE: trailers` (read on requests; RFC 9110 10.1.4). */
  teTrailers: boolean;
}

function fail(status: HeadError['status'], message: string): HeadError {
  return { status, message };
}

/** Hop-by-hop response headers: meaningful for one connection only, never relayed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** Header name lengths worth lowercasing, in requests (framing names, Host, Expect, TE) and in responses (framing, hop-by-hop, Date). */
const NOTABLE_LENGTH = lengthsOf(['te', 'host', 'expect', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
const NOTABLE_RESPONSE_LENGTH = lengthsOf(['te', 'date', 'trailer', 'upgrade', 'connection', 'keep-alive', 'content-length', 'proxy-connection', 'transfer-encoding', 'proxy-authenticate']);

function lengthsOf(names: readonly string[]): Uint8Array {
  const table = new Uint8Array(32);
  for (const name of names) table[name.length] = 1;
  return table;
}

/** Read one framing-relevant header into `framing`; an error for anything ambiguous. */
function readFramingHeader(lower: string, value: string, framing: Framing, errorStatus: 400 | 502): HeadError | null {
  switch (lower) {
    case 'content-length':
      return mergeContentLength(value, framing, errorStatus);
    case 'transfer-encoding':
      if (framing.transferEncoding) return fail(errorStatus, 'repeated Transfer-Encoding header');
      framing.transferEncoding = true;
      if (value.toLowerCase() !== 'chunked') return fail(errorStatus === 400 ? 501 : 502, `unsupported Transfer-Encoding "${value.slice(0, 64)}" (only chunked)`);
      framing.chunked = true;
      return null;
    case 'connection':
      readConnection(value, framing);
      return null;
    case 'host':
      framing.host++;
      return null;
    case 'expect':
      if (value.toLowerCase() === '100-continue') framing.expectContinue = true;
      else framing.expectOther = true;
      return null;
    case 'te':
      if (hasToken(value.toLowerCase().replace(/;[^,]*/g, '').replace(/[ \t]/g, ''), 'trailers')) framing.teTrailers = true;
      return null;
    case 'keep-alive': {
      const m = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(value);
      if (m !== null) framing.keepAliveTimeoutS = Number(m[1]);
      return null;
    }
    default:
      return null;
  }
}

/** Checks every header line gets; returns the colon's index, or an error. */
function checkFieldLine(head: string, start: number, end: number, errorStatus: 400 | 502): number | HeadError {
  const first = head.charCodeAt(start);
  if (first === 32 || first === 9) return fail(errorStatus, 'obsolete header line folding is not accepted');
  const colon = head.indexOf(':', start);
  if (colon <= start || colon >= end) return fail(errorStatus, 'malformed header line');
  for (let i = start; i < colon; i++) {
    const c = head.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return fail(errorStatus, `invalid header name "${head.slice(start, Math.min(colon, start + 64))}"`);
  }
  return colon;
}

/**
 * Parse a request's header lines (from `pos` to the end of `head`) into `out` as flat
 * [name, value, ...], collecting framing facts. Content-Length is kept once, normalized.
 */
function parseRequestFields(head: string, pos: number, out: string[], framing: Framing): HeadError | null {
  const n = head.length;
  while (pos < n) {
    let end = head.indexOf(CRLF, pos);
    if (end === -1) end = n;
    const colon = checkFieldLine(head, pos, end, 400);
    if (typeof colon !== 'number') return colon;
    const name = head.slice(pos, colon);
    const value = trimOws(head.slice(colon + 1, end));
    pos = end + 2;
    if (NOTABLE_LENGTH[name.length] !== 1) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      // One plain decimal, once: a repeat or a list ("5, 5"), even of equal values, is refused
      // like Node's parser (llhttp) refuses it, so no server behind the gateway reads it
      // differently; llhttp also refuses a tab after the digits (a trailing space it skips).
      const error = head.charCodeAt(end - 1) === 9 ? fail(400, 'invalid Content-Length') : requestContentLength(value, framing);
      if (error !== null) return error;
      out.push(name, String(framing.contentLength));
      continue;
    }
    const error = readFramingHeader(lower, value, framing, 400);
    if (error !== null) return error;
    out.push(name, value);
  }
  if (framing.transferEncoding && framing.contentLength !== -1) return fail(400, 'both Content-Length and Transfer-Encoding present');
  return null;
}

/**
 * Scan a response's header lines (from `pos`): validate them, read the framing, and cut the
 * lines that must not be relayed (hop-by-hop; Content-Length, re-added once, normalized).
 * Returns the block of lines to relay, or an error. A line is only split into name and value
 * when its name's length makes it a candidate.
 */
function scanResponseFields(head: string, pos: number, framing: Framing, facts: { hasDate: boolean }): string | HeadError {
  const n = head.length;
  let block = '';
  let keptFrom = pos;
  while (pos < n) {
    let end = head.indexOf(CRLF, pos);
    if (end === -1) end = n;
    const colon = checkFieldLine(head, pos, end, 502);
    if (typeof colon !== 'number') return colon;
    if (NOTABLE_RESPONSE_LENGTH[colon - pos] === 1) {
      const lower = head.slice(pos, colon).toLowerCase();
      if (lower === 'date') {
        facts.hasDate = true;
      } else if (lower === 'content-length' || HOP_BY_HOP.has(lower)) {
        const error = readFramingHeader(lower, trimOws(head.slice(colon + 1, end)), framing, 502);
        if (error !== null) return error;
        block += head.slice(keptFrom, pos);
        keptFrom = end + 2;
      }
    }
    pos = end + 2;
  }
  if (framing.transferEncoding && framing.contentLength !== -1) return fail(502, 'both Content-Length and Transfer-Encoding present');
  if (keptFrom < n) block += `${head.slice(keptFrom)}${CRLF}`;
  if (framing.contentLength !== -1) block += `Content-Length: ${framing.contentLength}${CRLF}`;
  if (framing.listed !== null) block = withoutListed(block, framing.listed);
  return block;
}

/** Relayed header lines as flat [name, value, ...] (for the cache, which needs them). */
export function headerList(block: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < block.length) {
    const end = block.indexOf(CRLF, pos);
    const colon = block.indexOf(':', pos);
    out.push(block.slice(pos, colon), trimOws(block.slice(colon + 1, end)));
    pos = end + 2;
  }
  return out;
}

/** A block without the headers its Connection header named (rare, so done the simple way). */
function withoutListed(block: string, listed: string): string {
  // Framing stays, whatever the upstream's Connection says.
  const headers = withoutConnectionListed(headerList(block), listed, ['content-length']);
  let out = '';
  for (let i = 0; i < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}${CRLF}`;
  return out;
}

/**
 * A flat header list without the headers a Connection header value names, except those in
 * `keep` (names whose removal would change framing or routing).
 */
export function withoutConnectionListed(headers: readonly string[], connection: string, keep: readonly string[]): string[] {
  const listed = new Set(connection.split(',').map((t) => t.trim().toLowerCase()));
  for (const name of keep) listed.delete(name);
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!listed.has(headers[i].toLowerCase())) kept.push(headers[i], headers[i + 1]);
  return kept;
}

/** Plain decimal digits (at most 15: a safe integer), or -1. */
function decimal(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** A request's Content-Length: one header, plain decimal digits. */
function requestContentLength(value: string, framing: Framing): HeadError | null {
  if (framing.contentLength !== -1) return fail(400, 'repeated Content-Length header');
  const parsed = decimal(value);
  if (parsed === -1) return fail(400, 'invalid Content-Length');
  framing.contentLength = parsed;
  return null;
}

/** A response's Content-Length: equal repeats and lists are merged (RFC 9110 8.6), and relayed once. */
function mergeContentLength(value: string, framing: Framing, errorStatus: 400 | 502): HeadError | null {
  let parsed = decimal(value);
  if (parsed === -1) parsed = contentLengthList(value);
  if (parsed === -1) return fail(errorStatus, 'invalid Content-Length');
  if (parsed === -2 || (framing.contentLength !== -1 && framing.contentLength !== parsed)) return fail(errorStatus, 'conflicting Content-Length values');
  framing.contentLength = parsed;
  return null;
}

/** A list ("5, 5") is allowed by RFC 9110 only when all members agree: the value, -1 (invalid) or -2 (conflict). */
function contentLengthList(value: string): number {
  let parsed = -1;
  for (const part of value.split(',')) {
    const n = decimal(trimOws(part));
    if (n === -1) return -1;
    if (parsed !== -1 && parsed !== n) return -2;
    parsed = n;
  }
  return parsed;
}

function newFraming(): Framing {
  return { contentLength: -1, chunked: false, connectionClose: false, connectionKeepAlive: false, transferEncoding: false, keepAliveTimeoutS: -1, host: 0, expectContinue: false, expectOther: false, teTrailers: false, listed: null };
}

/**
 * Parse a request head: `head` is the latin1 text before the blank line (CRLFCRLF excluded).
 * `maxUrlLength` bounds the request target (414 beyond it).
 */
export function parseRequestHead(head: string, maxUrlLength: number): RequestHead | HeadError {
  if (hasBadHeadBytes(head)) return fail(400, 'control characters, a bare CR or a bare LF in the request head');
  const lineEnd = head.indexOf(CRLF);
  const start = lineEnd === -1 ? head : head.slice(0, lineEnd);
  const sp1 = start.indexOf(' ');
  const sp2 = start.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) return fail(400, 'malformed request line');
  const method = start.slice(0, sp1);
  const url = start.slice(sp1 + 1, sp2);
  const version = start.slice(sp2 + 1);
  if (method !== 'GET' && method !== 'POST' && !KNOWN_METHODS.has(method)) return fail(400, 'invalid request method');
  if (url.length > maxUrlLength) return fail(414, `request target longer than ${maxUrlLength} bytes`);
  if (!isTarget(url)) return fail(400, 'invalid request target');
  let versionMinor: number;
  if (version === 'HTTP/1.1') versionMinor = 1;
  else if (version === 'HTTP/1.0') versionMinor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) return fail(505, `HTTP version ${version.slice(5)} is not supported`);
  else return fail(400, 'malformed request line');

  const rawHeaders: string[] = [];
  const framing = newFraming();
  const error = lineEnd === -1 ? null : parseRequestFields(head, lineEnd + 2, rawHeaders, framing);
  if (error !== null) return error;
  if (versionMinor === 1 && framing.host !== 1) return fail(400, framing.host === 0 ? 'missing Host header' : 'repeated Host header');
  if (framing.host > 1) return fail(400, 'repeated Host header');
  if (framing.expectOther) return fail(417, 'only "Expect: 100-continue" is supported');
  // RFC 9112 6.1: a chunked HTTP/1.0 request is framed by luck; never reuse the connection.
  const keepAlive = versionMinor === 1 ? !framing.connectionClose : framing.connectionKeepAlive && !framing.connectionClose && !framing.chunked;
  const listed = framing.listed;
  return {
    method,
    url,
    versionMinor,
    rawHeaders,
    contentLength: framing.contentLength,
    chunked: framing.chunked,
    keepAlive,
    expectContinue: framing.expectContinue && versionMinor === 1,
    upgrade: listed === null || versionMinor === 0 || framing.chunked || framing.contentLength > 0 ? null : upgradeOf(listed, rawHeaders),
    teTrailers: framing.teTrailers,
  };
}

/** The Upgrade header's value when Connection lists `upgrade` (rare: only then are headers scanned). */
function upgradeOf(listed: string, rawHeaders: readonly string[]): string | null {
  if (!hasToken(listed, 'upgrade')) return null;
  let value: string | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length === 7 && rawHeaders[i].toLowerCase() === 'upgrade') value = value === null ? rawHeaders[i + 1] : `${value}, ${rawHeaders[i + 1]}`;
  }
  return value === null || value === '' ? null : value;
}

/** `list` (comma-separated lowercase tokens, as ConnectionOptions.listed) holds `token`. */
function hasToken(list: string, token: string): boolean {
  for (const t of list.split(',')) if (t === token) return true;
  return false;
}

/** Parse a response head from an upstream. Errors carry status 502 (the upstream misbehaved). */
export function parseResponseHead(head: string): ResponseHead | HeadError {
  if (hasBadHeadBytes(head)) return fail(502, 'control characters, a bare CR or a bare LF in the upstream response head');
  const lineEnd = head.indexOf(CRLF);
  const start = lineEnd === -1 ? head : head.slice(0, lineEnd);
  // "HTTP/1.1 200 OK" (the reason phrase may be empty or contain spaces)
  if (start.length < 12 || !start.startsWith('HTTP/1.') || start.charCodeAt(8) !== 32) return fail(502, 'malformed upstream status line');
  const minor = start.charCodeAt(7) - 48;
  if (minor !== 0 && minor !== 1) return fail(502, 'unsupported upstream HTTP version');
  const status = decimal(start.slice(9, 12));
  if (status < 100 || (start.length > 12 && start.charCodeAt(12) !== 32)) return fail(502, 'malformed upstream status code');
  const reason = start.length > 13 ? start.slice(13) : '';
  const framing = newFraming();
  const facts = { hasDate: false };
  const block = lineEnd === -1 ? '' : scanResponseFields(head, lineEnd + 2, framing, facts);
  if (typeof block !== 'string') return block;
  const keepAlive = minor === 1 ? !framing.connectionClose : framing.connectionKeepAlive && !framing.connectionClose;
  return {
    status,
    reason,
    versionMinor: minor,
    block,
    hasDate: facts.hasDate,
    contentLength: framing.contentLength,
    chunked: framing.chunked,
    keepAlive,
    keepAliveTimeoutS: framing.keepAliveTimeoutS,
  };
}

export function isHeadError(x: RequestHead | ResponseHead | HeadError): x is HeadError {
  return (x as HeadError).message !== undefined;
}
