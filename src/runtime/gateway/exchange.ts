// One client request through the gateway. The Exchange object is the only per-request
// allocation of note: it carries the request's state through every stage and is itself the
// upstream pool's handler, so proxying allocates no closures. Stages, in order:
// limits -> headers -> path -> route -> ids -> CORS -> auth -> rate limit -> body size ->
// cache -> breaker -> balancer -> upstream (with retries on another instance).
import { BodyAbortedError, BodyTimeoutError, BodyTooLargeError, type RequestBody } from './http1/body.js';
import type { GatewayResponse, ResponseOwner } from './http1/response.js';
import type { GatewayRequest } from './http1/server.js';
import { IDEMPOTENT_METHODS, type UpstreamError, type UpstreamHandler, type UpstreamLink } from './http1/upstream-pool.js';
import { headerList, type ResponseHead } from './http1/head.js';
import { GatewayErrors, sendError, type GatewayErrorKind } from './errors.js';
import { dropConnectionListed, reportResponseHeaders, scanRequestHeaders, type RequestHeaderSink } from './headers.js';
import { assignIds } from './ids.js';
import { normalizePath } from './paths.js';
import type { AuthResult, Identity, RateDecision } from './plugins.js';
import { hostOf, stripPrefix } from './router.js';
import type { CompiledRoute, RouteTable } from './routes.js';
import type { UpstreamEndpoint } from './upstreams.js';
import type { ExchangeHooks } from './hooks.js';
import type { CacheAttempt } from './cache-flow.js';

const INTERNAL_PREFIX = '/_portico/';

/** What an Exchange needs from the gateway that owns it. */
export interface ExchangeContext {
  /** The route table in force when the request arrived (hot reload swaps the reference). */
  table: RouteTable;
  hooks: ExchangeHooks;
  internal(req: GatewayRequest, res: GatewayResponse, path: string): void;
}

/** Errors where the request certainly did not reach the application: safe to retry. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'PORTICO_CONNECT_TIMEOUT', 'PORTICO_UPSTREAM_CLOSED', 'PORTICO_POOL_CLOSED']);
const TIMEOUT_ERRORS = new Set(['PORTICO_CONNECT_TIMEOUT', 'PORTICO_HEADERS_TIMEOUT', 'PORTICO_BODY_TIMEOUT']);

export class Exchange implements RequestHeaderSink, UpstreamHandler, ResponseOwner {
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
  cacheStatus: 'HIT' | 'MISS' | null = null;
  private link: UpstreamLink | null = null;
  private upstreamDone = false;
  private breakerTrial = false;
  private dispatched = false;
  /** Cache capture for a cacheable response (set by hooks.onResponseHeaders). */
  capture: { chunks: Buffer[]; bytes: number; limit: number; store: (ex: Exchange) => void } | null = null;
  /** Cache state on routes that cache (see cache-flow.ts). */
  cacheAttempt: CacheAttempt | null = null;

  constructor(
    readonly ctx: ExchangeContext,
    readonly req: GatewayRequest,
    readonly res: GatewayResponse,
  ) {}

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
    const hooks = this.ctx.hooks;
    const host = hostOf(this.host ?? undefined);
    let method = req.method!;
    // A CORS preflight is matched as the method it asks about.
    const preflight = method === 'OPTIONS' && this.origin !== null && req.headers['access-control-request-method'] !== undefined;
    if (preflight) method = req.headers['access-control-request-method']!.toUpperCase();
    const hit = table.router.match(method, host, path);
    if (hit === undefined) return this.fail(GatewayErrors.notFound, `no route for ${req.method} ${path}`);
    const route = hit.value;
    this.route = route;

    assignIds(this);
    this.responseExtras.push('x-request-id', this.requestId!, 'traceparent', this.traceparent!);

    const plugins = route.plugins;
    // Without CORS on the route, a preflight is an ordinary OPTIONS request for the upstream.
    if (plugins.cors !== null && this.origin !== null && hooks.cors(this, plugins.cors, preflight)) return; // answered the preflight

    this.upstreamPath = (route.stripPrefix ? stripPrefix(path, hit.prefix) : path) + (q === -1 ? '' : url.slice(q));
    this.clientIp = hooks.clientIp(this);

    if (plugins.auth !== null) {
      const result = plugins.auth.authenticate(this.apiKey, this.authorization, this.req.session);
      if (result instanceof Promise) {
        result.then(
          (r) => this.afterAuth(r),
          () => this.afterAuth({ ok: false, reason: 'credential could not be verified' }),
        );
        return;
      }
      return this.afterAuth(result);
    }
    this.afterAuth(null);
  }

  private afterAuth(result: AuthResult | null): void {
    const route = this.route!;
    const plugins = route.plugins;
    if (result !== null) {
      if (!result.ok) {
        if (route.def.auth === 'required' || result.reason !== 'no credentials') {
          return this.fail(GatewayErrors.unauthorized, result.reason, { 'www-authenticate': 'Bearer' });
        }
      } else if (result.identity !== null) {
        this.identity = result.identity;
        // The API key is the gateway's credential: services get the consumer name instead.
        if (result.identity.kind === 'apiKey') this.headers = withoutHeader(this.headers, 'x-api-key');
        this.headers.push('x-portico-consumer', result.identity.consumer);
        if (result.identity.claims !== null) this.headers.push('x-portico-claims', result.identity.claims);
      }
    }

    if (plugins.rateLimit !== null) {
      const decision = plugins.rateLimit.take(this.rateKey(plugins.rateLimit.by), Date.now());
      this.responseExtras.push(
        'ratelimit-limit', String(decision.limit),
        'ratelimit-remaining', String(decision.remaining),
        'ratelimit-reset', String(decision.resetSeconds),
        'ratelimit-policy', plugins.rateLimit.policyHeader,
      );
      if (!decision.allowed) return this.rejectRate(decision);
    }

    const body = this.req.body;
    if (body !== null) {
      // The server parsed and validated the framing; only the route's limit is checked here.
      if (body.length > route.maxBodyBytes) return this.fail(GatewayErrors.payloadTooLarge, `request body larger than ${route.maxBodyBytes} bytes`);
      body.setLimit(route.maxBodyBytes);
      if (body.failed instanceof BodyTooLargeError) return this.fail(GatewayErrors.payloadTooLarge, `request body larger than ${route.maxBodyBytes} bytes`);
      if (body.failed instanceof BodyTimeoutError) return this.fail(GatewayErrors.requestTimeout, body.failed.message);
      this.body = body;
    }

    if (plugins.cache !== null && this.ctx.hooks.serveFromCache(this, plugins.cache)) return;

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
    this.addForwardedHeaders();
    this.dispatched = true;
    this.res.owner = this;
    this.dispatch();
  }

  private rateKey(by: 'ip' | 'apiKey' | 'subject'): string {
    if (by === 'ip' || this.identity === null) return this.clientIp;
    if (by === 'apiKey') return this.identity.kind === 'apiKey' ? this.identity.consumer : this.clientIp;
    return this.identity.kind === 'jwt' ? this.identity.consumer : this.clientIp;
  }

  private rejectRate(decision: RateDecision): void {
    this.ctx.hooks.rateLimited(this);
    this.fail(GatewayErrors.tooManyRequests, 'rate limit exceeded', { 'retry-after': String(decision.retryAfterSeconds) });
  }

  private addForwardedHeaders(): void {
    const remote = this.req.session.remoteAddress;
    const trusted = this.ctx.hooks.isTrustedProxy(remote);
    const h = this.headers;
    h.push('x-forwarded-for', trusted && this.forwardedFor !== null ? `${this.forwardedFor}, ${remote}` : remote);
    h.push('x-forwarded-proto', trusted && this.forwardedProto !== null ? this.forwardedProto : 'http');
    const host = trusted && this.forwardedHost !== null ? this.forwardedHost : this.host;
    if (host !== null) h.push('x-forwarded-host', host);
    h.push('x-request-id', this.requestId!, 'traceparent', this.traceparent!);
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
    if (!this.dispatched) this.ctx.hooks.finished(this);
  }

  // ---- UpstreamHandler (called by the upstream pool)

  onConnect(link: UpstreamLink): void {
    this.link = link;
  }

  onHeaders(head: ResponseHead): void {
    const statusCode = head.status;
    this.status = statusCode;
    const route = this.route!;
    const endpoint = this.endpoint!;
    const now = Date.now();
    if (statusCode >= 502 && statusCode <= 504) {
      route.upstream.balancer.failure(endpoint, now);
      route.upstream.breaker.failure(now);
    } else {
      route.upstream.balancer.success(endpoint);
      route.upstream.breaker.success();
    }
    this.breakerTrial = false;
    // The pool already left out hop-by-hop headers. Without the cache the upstream's header
    // lines are relayed as text; the cache needs them as a list (to store and to read facts).
    if (this.cacheStatus === null) {
      this.res.writeHeadBlock(statusCode, head.block, head.contentLength !== -1, head.hasDate, this.responseExtras);
      return;
    }
    const out = headerList(head.block);
    if (this.cacheAttempt !== null) reportResponseHeaders(out, this.cacheAttempt.facts);
    this.ctx.hooks.onResponseHeaders(this, statusCode, out);
    const extras = this.responseExtras;
    for (let i = 0; i < extras.length; i++) out.push(extras[i]);
    this.res.writeHead(statusCode, out);
  }

  onData(chunk: Buffer): boolean {
    const capture = this.capture;
    if (capture !== null) {
      capture.bytes += chunk.length;
      if (capture.bytes > capture.limit) this.capture = null;
      else capture.chunks.push(Buffer.from(chunk)); // the chunk is a transient view
    }
    return this.res.write(chunk, true);
  }

  onComplete(): void {
    this.upstreamDone = true;
    this.res.end();
    // Only a complete 2xx-style answer is stored; an aborted stream never gets here.
    if (this.capture !== null) this.capture.store(this);
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
    this.ctx.hooks.upstreamError(this, code);
    if (!res.headersSent && CONNECT_ERRORS.has(code) && this.body === null && IDEMPOTENT_METHODS.has(this.req.method) && this.attempts <= route.retries) {
      const next = upstream.balancer.pick(now, endpoint);
      if (next !== undefined && next !== endpoint && upstream.breaker.allow(now)) {
        this.endpoint = next;
        this.upstreamDone = false;
        this.link = null;
        this.dispatch();
        return;
      }
    }
    if (TIMEOUT_ERRORS.has(code)) return this.fail(GatewayErrors.gatewayTimeout, `service ${upstream.name} did not answer in time`);
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
    this.ctx.hooks.finished(this);
  }

  /** The client socket drained: let the upstream send more. */
  resume(): void {
    this.link?.resume();
  }
}

function withoutHeader(headers: string[], lowerName: string): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() !== lowerName) kept.push(headers[i], headers[i + 1]);
  return kept;
}
