// One client request through the gateway. The Exchange object is the only per-request
// allocation of note: it carries the request's state through every stage and is itself the
// upstream pool's handler, so proxying allocates no closures. It orchestrates the flow; what
// features do happens in their handlers, which the route carries per phase (features/types.ts):
//   internal endpoint? -> headers -> path -> route -> ids -> [access] -> body size ->
//   [beforeUpstream] -> breaker -> balancer -> [upstreamRequest] + forwarded headers ->
//   upstream (retried on another instance, retry.ts) -> [responseHeaders] -> [responseBody] -> [log]
// A WebSocket upgrade takes the same path up to the upstream (beforeUpstream skipped: nothing
// answers it from a cache); on the upstream's 101 both sockets leave HTTP for a tunnel
// (http1/tunnel.ts) -> [log] (the handshake) ... [tunnel] when the tunnel closes.
import { BodyAbortedError, BodyTimeoutError, BodyTooLargeError, type RequestBody } from './http1/body.js';
import type { HttpResponse, ResponseOwner } from './http1/response.js';
import type { HttpRequest } from './http1/server.js';
import type { UpstreamError, UpstreamHandler, UpstreamLink, UpstreamTunnelEnd } from './http1/upstream-pool.js';
import { Tunnel, type TunnelObserver, type TunnelTotals } from './http1/tunnel.js';
import { headerList, type ResponseHead } from './http1/head.js';
import { GatewayErrors, sendError, type GatewayErrorKind } from './errors.js';
import type { AiOutcome } from './features/ai/outcome.js';
import type { CacheAttempt } from './features/cache/flow.js';
import type { Phases } from './features/types.js';
import type { Forwarding } from './forwarded.js';
import { dropConnectionListed, scanRequestHeaders, type RequestHeaderSink } from './headers.js';
import type { Identity } from './identity.js';
import { assignIds } from './ids.js';
import { normalizePath } from './paths.js';
import { isTimeout, isTlsError, mayRetry } from './retry.js';
import { hostOf, stripPrefix } from './router.js';
import type { CompiledRoute, RouteTable } from './routes.js';
import type { ClientSession } from './session.js';
import type { UpstreamEndpoint } from './upstreams.js';

const INTERNAL_PREFIX = '/_portico/';

// What becomes of a request's Upgrade header (admitUpgrade).
/** Not an upgrade the gateway relays (h2c, anything but websocket): answered as plain HTTP/1.1. */
const IGNORED = 0;
const UPGRADE = 1;
/** Refused by the route (`websocket: false`): answered already. */
const REFUSED = 2;

/** What an Exchange needs from the gateway that owns it. */
export interface ExchangeContext {
  /** The route table in force when the request arrived (hot reload swaps the reference). */
  readonly table: RouteTable;
  readonly forwarding: Forwarding;
  /** The phases of requests that match no route (their log phase). */
  readonly unrouted: Phases;
  /** Answer a /_portico/* request. */
  internal(req: HttpRequest<ClientSession>, res: HttpResponse, url: string): void;
}

export class Exchange implements RequestHeaderSink, UpstreamHandler, ResponseOwner, TunnelObserver {
  // RequestHeaderSink
  requestId: string | null = null;
  traceparent: string | null = null;
  connection: string | null = null;
  forwardedFor: string | null = null;
  forwardedProto: string | null = null;
  forwardedHost: string | null = null;
  host: string | null = null;
  origin: string | null = null;
  apiKey: string | null = null;
  authorization: string | null = null;
  ifNoneMatch: string | null = null;

  readonly startedAt = performance.now();
  route: CompiledRoute | null = null;
  /** The route's handlers per phase (the unrouted ones until a route matched). */
  phases: Phases;
  /** An OPTIONS request asking about another method (CORS); routed as that method. */
  preflight = false;
  /** Set by auth once the credential was verified. */
  identity: Identity | null = null;
  clientIp = '';
  /** Headers sent upstream (flat list). */
  headers: string[] = [];
  /** Headers the gateway adds to its answer (flat list): ids, CORS, RateLimit-*, x-cache. */
  responseExtras: string[] = [];
  upstreamPath = '';
  body: RequestBody | null = null;
  endpoint: UpstreamEndpoint | null = null;
  attempts = 0;
  status = 0;
  /** Set when the gateway answered itself (error kind), for logs and metrics. */
  errorKind: string | null = null;
  /** Error codes of failed upstream attempts, in order (null when none failed). */
  upstreamErrors: string[] | null = null;
  /** Cache lookup result on routes that cache (features/cache); null when not looked up. */
  cacheResult: 'hit' | 'miss' | 'bypass' | null = null;
  /** Cache state of a GET miss (features/cache/flow.ts). */
  cacheAttempt: CacheAttempt | null = null;
  /** On AI routes (features/ai): which model answered, the fallbacks taken and the tokens used. */
  ai: AiOutcome | null = null;
  private link: UpstreamLink | null = null;
  private upstreamDone = false;
  private breakerTrial = false;
  private dispatched = false;
  /** The request is a WebSocket upgrade being relayed (see admitUpgrade). */
  private upgrading = false;

  constructor(
    readonly ctx: ExchangeContext,
    readonly req: HttpRequest<ClientSession>,
    readonly res: HttpResponse,
  ) {
    this.phases = ctx.unrouted;
  }

  run(): void {
    const req = this.req;
    // Target length, framing (Content-Length with Transfer-Encoding) and header syntax were
    // checked by the HTTP/1.1 layer before this runs (http1/head.ts).
    const url = req.url;
    if (url.charCodeAt(1) === 95 /* _ */ && url.startsWith(INTERNAL_PREFIX)) return this.ctx.internal(req, this.res, url);

    if (scanRequestHeaders(req.rawHeaders, this, this.headers)) this.headers = dropConnectionListed(this.headers, this.connection!);

    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const path = normalizePath(rawPath);
    if (path === null) return this.fail(GatewayErrors.badRequest, 'request path has encoded slashes, backslashes or NUL bytes, or is not absolute');

    const table = this.ctx.table;
    const host = hostOf(this.host ?? undefined);
    let method = req.method!;
    // A CORS preflight is matched as the method it asks about. Without CORS on the route it is
    // an ordinary OPTIONS request for the upstream.
    if (method === 'OPTIONS' && this.origin !== null && req.headers['access-control-request-method'] !== undefined) {
      this.preflight = true;
      method = req.headers['access-control-request-method']!.toUpperCase();
    }
    const hit = table.router.match(method, host, path);
    if (hit === undefined) return this.fail(GatewayErrors.notFound, `no route for ${req.method} ${path}`);
    const route = hit.value;
    this.route = route;
    this.phases = route.phases;

    assignIds(this);
    this.responseExtras.push('x-request-id', this.requestId!, 'traceparent', this.traceparent!);
    this.upstreamPath = (route.stripPrefix ? stripPrefix(path, hit.prefix) : path) + (q === -1 ? '' : url.slice(q));
    this.clientIp = this.ctx.forwarding.clientIp(req.remoteAddress, this);
    this.access(0);
  }

  /** The access phase from handler `from` on; an async handler resumes it when it settles. */
  private access(from: number): void {
    const handlers = this.phases.access;
    for (let i = from; i < handlers.length; i++) {
      const answered = handlers[i](this);
      if (answered === false) continue;
      if (answered === true) return;
      answered.then(
        (done) => {
          if (!done) this.access(i + 1);
        },
        () => this.fail(GatewayErrors.internal, 'the request could not be processed'),
      );
      return;
    }
    this.afterAccess();
  }

  private afterAccess(): void {
    const route = this.route!;
    const phases = this.phases;
    const body = this.req.body;
    if (body !== null) {
      // The server parsed and validated the framing; only the route's limit is checked here.
      if (body.length > route.maxBodyBytes) return this.fail(GatewayErrors.payloadTooLarge, `request body larger than ${route.maxBodyBytes} bytes`);
      body.setLimit(route.maxBodyBytes);
      if (body.failed instanceof BodyTooLargeError) return this.fail(GatewayErrors.payloadTooLarge, `request body larger than ${route.maxBodyBytes} bytes`);
      if (body.failed instanceof BodyTimeoutError) return this.fail(GatewayErrors.requestTimeout, body.failed.message);
      this.body = body;
    }

    const upgrade = this.req.upgrade === null ? IGNORED : this.admitUpgrade();
    if (upgrade === REFUSED) return;
    if (upgrade === IGNORED) {
      const before = phases.beforeUpstream;
      for (let i = 0; i < before.length; i++) if (before[i](this)) return;
    }

    const upstream = route.upstream;
    const now = Date.now();
    if (!upstream.breaker.allow(now)) {
      return this.fail(GatewayErrors.unavailable, `circuit open for service ${upstream.name}`, { 'retry-after': String(upstream.breaker.retryAfterSeconds(now)) });
    }
    this.breakerTrial = upstream.breaker.state === 'half-open';
    const endpoint = upstream.balancer.pick(now);
    if (endpoint === undefined) {
      if (this.breakerTrial) upstream.breaker.release();
      return this.fail(GatewayErrors.unavailable, `no healthy instance of service ${upstream.name}`, { 'retry-after': '1' });
    }
    // The client may have gone away while a JWT was being verified.
    if (this.res.destroyed) {
      if (this.breakerTrial) upstream.breaker.release();
      return;
    }
    this.endpoint = endpoint;
    const upstreamRequest = phases.upstreamRequest;
    for (let i = 0; i < upstreamRequest.length; i++) upstreamRequest[i](this);
    this.ctx.forwarding.addHeaders(this.req.remoteAddress, this, this.headers);
    this.dispatched = true;
    this.res.owner = this;
    this.dispatch();
  }

  /**
   * A request with `Connection: Upgrade`. Only `Upgrade: websocket` is relayed, on routes that
   * allow it: its Connection and Upgrade headers (hop-by-hop, dropped from every request) go
   * upstream again. Anything else (h2c, ...) is answered as the plain HTTP/1.1 request it also
   * is, the Upgrade header dropped: RFC 9110 7.8 lets a server ignore it, and RFC 7540 3.2 says
   * an h2c client then carries on over HTTP/1.1.
   */
  private admitUpgrade(): number {
    const value = this.req.upgrade!;
    if (this.req.method !== 'GET' || value.toLowerCase() !== 'websocket') return IGNORED;
    const route = this.route!;
    if (route.websocket === null) {
      this.fail(GatewayErrors.badRequest, `WebSocket upgrades are disabled on route ${route.id} (websocket: false)`);
      return REFUSED;
    }
    this.upgrading = true;
    this.headers.push('connection', 'upgrade', 'upgrade', value);
    return UPGRADE;
  }

  private dispatch(): void {
    const route = this.route!;
    this.attempts++;
    this.endpoint!.pool.dispatch(
      {
        path: this.upstreamPath,
        method: this.req.method,
        headers: this.headers,
        body: this.body,
        emptyLength: this.body === null && this.req.contentLength === 0 ? 0 : -1,
        headersTimeout: route.headersTimeout,
        bodyTimeout: route.bodyTimeout,
        upgrade: this.upgrading,
        trailers: this.req.teTrailers,
      },
      this,
    );
  }

  /** The gateway's own answer (an error), with the headers collected so far. */
  fail(kind: GatewayErrorKind, message: string, extra?: Record<string, string>): void {
    this.errorKind = kind.error;
    this.status = kind.status;
    const res = this.res;
    if (!res.headersSent) for (let i = 0; i < this.responseExtras.length; i += 2) res.setHeader(this.responseExtras[i], this.responseExtras[i + 1]);
    sendError(res, kind, message, this.route?.id, extra);
    // Once dispatched, the response's close event reports the exchange (see closed()).
    if (!this.dispatched) this.finish();
  }

  /** The gateway's own complete answer (a feature's: preflight, cache hit). */
  respond(status: number, headers: readonly string[], body?: Buffer): void {
    this.status = status;
    this.res.writeHead(status, headers);
    this.res.end(body);
    this.finish();
  }

  /**
   * Once per request, when the answer is complete: the log phase. Public for features that answer
   * over time themselves (AI routes stream a provider's answer): they call it once, at the end.
   */
  finish(): void {
    const log = this.phases.log;
    if (log.length === 0) return;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const status = this.status || this.res.statusCode;
    for (let i = 0; i < log.length; i++) log[i](this, status, seconds);
  }

  // ---- UpstreamHandler (called by the upstream pool)

  onConnect(link: UpstreamLink): void {
    this.link = link;
  }

  /** The upstream answered: its verdict for the balancer and the breaker. */
  private judgeUpstream(statusCode: number): void {
    this.status = statusCode;
    const route = this.route!;
    const endpoint = this.endpoint!;
    if (statusCode >= 502 && statusCode <= 504) {
      const now = Date.now();
      route.upstream.balancer.failure(endpoint, now);
      route.upstream.breaker.failure(now);
    } else {
      route.upstream.balancer.success(endpoint);
      route.upstream.breaker.success();
    }
    this.breakerTrial = false;
  }

  onHeaders(head: ResponseHead): void {
    const statusCode = head.status;
    this.judgeUpstream(statusCode);
    // The pool already left out hop-by-hop headers. Without response-header handlers the
    // upstream's header lines are relayed as text; handlers get them as a list.
    const handlers = this.phases.responseHeaders;
    if (handlers.length === 0) {
      this.res.writeHeadBlock(statusCode, head.block, head.contentLength !== -1, head.hasDate, this.responseExtras);
      return;
    }
    const out = headerList(head.block);
    for (let i = 0; i < handlers.length; i++) handlers[i](this, statusCode, out);
    const extras = this.responseExtras;
    for (let i = 0; i < extras.length; i++) out.push(extras[i]);
    this.res.writeHead(statusCode, out);
  }

  /**
   * 101 to a WebSocket upgrade: the client gets the upstream's 101 head (its end-to-end headers,
   * Sec-WebSocket-Accept among them, plus the gateway's ids) and both sockets become a tunnel.
   */
  onUpgrade(head: ResponseHead, upstream: UpstreamTunnelEnd, rest: Buffer): void {
    this.upstreamDone = true;
    this.judgeUpstream(101);
    if (this.res.destroyed) {
      upstream.socket.destroy();
      return;
    }
    let lines = `HTTP/1.1 101 Switching Protocols\r\n${head.block}`;
    const extras = this.responseExtras;
    for (let i = 0; i < extras.length; i += 2) lines += `${extras[i]}: ${extras[i + 1]}\r\n`;
    lines += `connection: upgrade\r\nupgrade: ${this.req.upgrade}\r\n\r\n`;
    const { socket, pending } = this.res.switchProtocols();
    const tunnel = new Tunnel(socket, upstream, this.route!.websocket!.idleTimeoutMs, this);
    const handlers = this.phases.tunnel;
    for (let i = 0; i < handlers.length; i++) handlers[i].opened(this);
    this.finish();
    tunnel.start(lines, rest, pending);
  }

  /** TunnelObserver: the tunnel ended (either side closed, or it idled out). */
  tunnelClosed(totals: TunnelTotals): void {
    const handlers = this.phases.tunnel;
    for (let i = 0; i < handlers.length; i++) handlers[i].closed(this, totals);
  }

  onData(chunk: Buffer): boolean {
    const handlers = this.phases.responseBody;
    for (let i = 0; i < handlers.length; i++) handlers[i].data(this, chunk);
    return this.res.write(chunk, true);
  }

  onComplete(trailers?: string): void {
    this.upstreamDone = true;
    this.res.end(undefined, trailers);
    // Only now is the answer known complete; an aborted stream never gets here.
    const handlers = this.phases.responseBody;
    for (let i = 0; i < handlers.length; i++) handlers[i].end(this);
  }

  onError(err: UpstreamError | BodyTooLargeError | BodyAbortedError | BodyTimeoutError): void {
    this.upstreamDone = true;
    const res = this.res;
    const route = this.route!;
    const upstream = route.upstream;
    const code = err.code ?? '';
    if (res.destroyed) {
      // The client went away first; nothing to answer and no verdict on the upstream.
      if (this.breakerTrial) upstream.breaker.release();
      this.breakerTrial = false;
      return;
    }
    if (err instanceof BodyTooLargeError) {
      return this.fail(GatewayErrors.payloadTooLarge, `request body larger than ${route.maxBodyBytes} bytes`);
    }
    if (err instanceof BodyTimeoutError) {
      if (!res.headersSent) return this.fail(GatewayErrors.requestTimeout, err.message);
      res.destroy();
      return;
    }
    if (err instanceof BodyAbortedError) {
      if (!res.headersSent) return this.fail(GatewayErrors.badRequest, 'request body ended early');
      res.destroy();
      return;
    }
    const now = Date.now();
    const endpoint = this.endpoint!;
    upstream.balancer.failure(endpoint, now);
    upstream.breaker.failure(now);
    this.breakerTrial = false;
    (this.upstreamErrors ??= []).push(code);
    if (mayRetry({ code, method: this.req.method, hasBody: this.body !== null, headersSent: res.headersSent, attempts: this.attempts, retries: route.retries })) {
      const next = upstream.balancer.pick(now, endpoint);
      if (next !== undefined && next !== endpoint && upstream.breaker.allow(now)) {
        this.endpoint = next;
        this.upstreamDone = false;
        this.link = null;
        this.dispatch();
        return;
      }
    }
    if (isTimeout(code)) return this.fail(GatewayErrors.gatewayTimeout, `service ${upstream.name} did not answer in time`);
    if (isTlsError(code)) return this.fail(GatewayErrors.badGateway, `TLS to service ${upstream.name} failed: ${code}`);
    return this.fail(GatewayErrors.badGateway, `service ${upstream.name} could not be reached`);
  }

  /** The answer completed or the client went away: abort the upstream request if still running. */
  closed(): void {
    if (!this.upstreamDone) {
      this.upstreamDone = true;
      if (this.link !== null) this.link.abort();
      else this.endpoint?.pool.cancel(this);
    }
    if (this.breakerTrial) {
      this.breakerTrial = false;
      this.route?.upstream.breaker.release();
    }
    this.finish();
  }

  /** The client socket drained: let the upstream send more. */
  resume(): void {
    this.link?.resume();
  }
}
