// Strict HTTP/1.1 message-head parsing for the gateway's own data plane (see server.ts and
// upstream-pool.ts for why it has one). Pure: a head in, a description or an error out.
// Strictness is the point for a proxy: anything two parsers could read differently (request
// smuggling) is refused instead of guessed at — bare CR or LF, obs-fold continuation lines,
// whitespace before a colon, conflicting Content-Length values, Content-Length together with
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
}

export interface ResponseHead {
  status: number;
  reason: string;
  versionMinor: number;
  /** Flat [name, value, ...] without hop-by-hop headers (nor those Connection names). */
  rawHeaders: string[];
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
  /** Seconds from `Keep-Alive: timeout=N`, or -1. */
  keepAliveTimeoutS: number;
}

const CRLF = '\r\n';

/** RFC 9110 tchar lookup: what a method or a header name may contain. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return false;
  }
  return true;
}

/**
 * Anything but CRLF line ends and visible characters, SP, HTAB and obs-text: NUL and other
 * controls, a CR not followed by LF, an LF not preceded by CR. One regex pass over the whole
 * head is cheaper than checking every line and value.
 */
const BAD_HEAD_BYTES = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;


/** Request target: no whitespace or controls (it is delimited by single spaces). */
function isTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
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

/** The framing and connection facts every message head shares. */
interface Framing {
  contentLength: number;
  chunked: boolean;
  connectionClose: boolean;
  connectionKeepAlive: boolean;
  transferEncoding: boolean;
  keepAliveTimeoutS: number;
  host: number;
  expectContinue: boolean;
  expectOther: boolean;
}

function fail(status: HeadError['status'], message: string): HeadError {
  return { status, message };
}

/** Hop-by-hop response headers: meaningful for one connection only, never relayed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * Parse the header lines of a head (everything after the start line) into `out`, collecting
 * framing facts. Returns an error for anything ambiguous. With `dropHopByHop` (responses),
 * hop-by-hop headers and those the Connection header names are left out of `out`.
 */
function parseFields(lines: string[], out: string[], framing: Framing, errorStatus: 400 | 502, dropHopByHop: boolean): HeadError | null {
  let listed: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) return fail(errorStatus, 'obsolete header line folding is not accepted');
    const colon = line.indexOf(':');
    if (colon <= 0) return fail(errorStatus, 'malformed header line');
    const name = line.slice(0, colon);
    if (!isToken(name)) return fail(errorStatus, `invalid header name "${name.slice(0, 64)}"`);
    const value = trimOws(line.slice(colon + 1));
    // Only a handful of names matter here; lowercase a name only when its length fits one.
    const len = name.length;
    if (len !== 2 && len !== 4 && len !== 6 && len !== 7 && len !== 10 && len !== 14 && len !== 16 && len !== 17 && len !== 18) {
      out.push(name, value);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      const first = framing.contentLength === -1;
      const error = mergeContentLength(value, framing, errorStatus);
      if (error !== null) return error;
      // Relayed once, as one number, however it was written ("5, 5" or repeated).
      if (first) out.push(name, String(framing.contentLength));
      continue;
    } else if (lower === 'transfer-encoding') {
      if (framing.transferEncoding) return fail(errorStatus, 'repeated Transfer-Encoding header');
      framing.transferEncoding = true;
      if (value.toLowerCase() !== 'chunked') return fail(errorStatus === 400 ? 501 : 502, `unsupported Transfer-Encoding "${value.slice(0, 64)}" (only chunked)`);
      framing.chunked = true;
    } else if (lower === 'connection') {
      for (const token of value.split(',')) {
        const t = trimOws(token).toLowerCase();
        if (t === 'close') framing.connectionClose = true;
        else if (t === 'keep-alive') framing.connectionKeepAlive = true;
        else if (t !== '') listed = listed === null ? t : `${listed},${t}`;
      }
    } else if (lower === 'host') {
      framing.host++;
    } else if (lower === 'expect') {
      if (value.toLowerCase() === '100-continue') framing.expectContinue = true;
      else framing.expectOther = true;
    } else if (lower === 'keep-alive') {
      const m = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(value);
      if (m !== null) framing.keepAliveTimeoutS = Number(m[1]);
    }
    if (!dropHopByHop || !HOP_BY_HOP.has(lower)) out.push(name, value);
  }
  if (framing.transferEncoding && framing.contentLength !== -1) return fail(errorStatus, 'both Content-Length and Transfer-Encoding present');
  if (dropHopByHop && listed !== null) dropListed(out, listed);
  return null;
}

/** Remove from a flat header list the headers a Connection header names (rare: done in place). */
function dropListed(headers: string[], listed: string): void {
  const names = new Set(listed.split(','));
  names.delete('content-length'); // framing stays, whatever the upstream's Connection says
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    if (names.has(headers[r].toLowerCase())) continue;
    headers[w++] = headers[r];
    headers[w++] = headers[r + 1];
  }
  headers.length = w;
}

function mergeContentLength(value: string, framing: Framing, errorStatus: 400 | 502): HeadError | null {
  // A list ("5, 5") is allowed by RFC 9110 only when all members agree.
  let parsed = -1;
  for (const part of value.split(',')) {
    const digits = trimOws(part);
    if (digits.length === 0 || digits.length > 15 || !/^\d+$/.test(digits)) return fail(errorStatus, 'invalid Content-Length');
    const n = Number(digits);
    if (parsed !== -1 && parsed !== n) return fail(errorStatus, 'conflicting Content-Length values');
    parsed = n;
  }
  if (framing.contentLength !== -1 && framing.contentLength !== parsed) return fail(errorStatus, 'conflicting Content-Length values');
  framing.contentLength = parsed;
  return null;
}

function newFraming(): Framing {
  return { contentLength: -1, chunked: false, connectionClose: false, connectionKeepAlive: false, transferEncoding: false, keepAliveTimeoutS: -1, host: 0, expectContinue: false, expectOther: false };
}

/** Splits a head into lines; null when it holds controls, a bare CR or a bare LF. */
function splitLines(head: string): string[] | null {
  return BAD_HEAD_BYTES.test(head) ? null : head.split(CRLF);
}

/**
 * Parse a request head: `head` is the latin1 text before the blank line (CRLFCRLF excluded).
 * `maxUrlLength` bounds the request target (414 beyond it).
 */
export function parseRequestHead(head: string, maxUrlLength: number): RequestHead | HeadError {
  const lines = splitLines(head);
  if (lines === null) return fail(400, 'control characters, a bare CR or a bare LF in the request head');
  const start = lines[0];
  const sp1 = start.indexOf(' ');
  const sp2 = start.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) return fail(400, 'malformed request line');
  const method = start.slice(0, sp1);
  const url = start.slice(sp1 + 1, sp2);
  const version = start.slice(sp2 + 1);
  if (!isToken(method)) return fail(400, 'invalid request method');
  if (url.length > maxUrlLength) return fail(414, `request target longer than ${maxUrlLength} bytes`);
  if (!isTarget(url)) return fail(400, 'invalid request target');
  let versionMinor: number;
  if (version === 'HTTP/1.1') versionMinor = 1;
  else if (version === 'HTTP/1.0') versionMinor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) return fail(505, `HTTP version ${version.slice(5)} is not supported`);
  else return fail(400, 'malformed request line');

  const rawHeaders: string[] = [];
  const framing = newFraming();
  const error = parseFields(lines, rawHeaders, framing, 400, false);
  if (error !== null) return error;
  if (versionMinor === 1 && framing.host !== 1) return fail(400, framing.host === 0 ? 'missing Host header' : 'repeated Host header');
  if (framing.host > 1) return fail(400, 'repeated Host header');
  if (framing.expectOther) return fail(417, 'only "Expect: 100-continue" is supported');
  // RFC 9112 6.1: a chunked HTTP/1.0 request is framed by luck; never reuse the connection.
  const keepAlive = versionMinor === 1 ? !framing.connectionClose : framing.connectionKeepAlive && !framing.connectionClose && !framing.chunked;
  return {
    method,
    url,
    versionMinor,
    rawHeaders,
    contentLength: framing.contentLength,
    chunked: framing.chunked,
    keepAlive,
    expectContinue: framing.expectContinue && versionMinor === 1,
  };
}

/** Parse a response head from an upstream. Errors carry status 502 (the upstream misbehaved). */
export function parseResponseHead(head: string): ResponseHead | HeadError {
  const lines = splitLines(head);
  if (lines === null) return fail(502, 'control characters, a bare CR or a bare LF in the upstream response head');
  const start = lines[0];
  // "HTTP/1.1 200 OK" (the reason phrase may be empty or contain spaces)
  if (start.length < 12 || !start.startsWith('HTTP/1.') || start.charCodeAt(8) !== 32) return fail(502, 'malformed upstream status line');
  const minor = start.charCodeAt(7) - 48;
  if (minor !== 0 && minor !== 1) return fail(502, 'unsupported upstream HTTP version');
  const statusText = start.slice(9, 12);
  if (!/^[1-9]\d\d$/.test(statusText) || (start.length > 12 && start.charCodeAt(12) !== 32)) return fail(502, 'malformed upstream status code');
  const reason = start.length > 13 ? start.slice(13) : '';
  const rawHeaders: string[] = [];
  const framing = newFraming();
  const error = parseFields(lines, rawHeaders, framing, 502, true);
  if (error !== null) return error;
  const keepAlive = minor === 1 ? !framing.connectionClose : framing.connectionKeepAlive && !framing.connectionClose;
  return {
    status: Number(statusText),
    reason,
    versionMinor: minor,
    rawHeaders,
    contentLength: framing.contentLength,
    chunked: framing.chunked,
    keepAlive,
    keepAliveTimeoutS: framing.keepAliveTimeoutS,
  };
}

export function isHeadError(x: RequestHead | ResponseHead | HeadError): x is HeadError {
  return (x as HeadError).message !== undefined;
}
