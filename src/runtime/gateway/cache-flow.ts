// Where the cache meets the request flow: lookup before the upstream, and capture of a
// storable upstream answer while it streams to the client (the body is never held back).
import { ResponseCache, ResponseFacts, entrySize, parseCacheControl, storableTtl, varyNames, type CachedResponse } from './cache.js';
import type { Exchange } from './exchange.js';
import type { GatewayMetrics } from './metrics.js';

/** Per-request cache state, allocated only on routes that cache. */
export class CacheAttempt {
  readonly facts = new ResponseFacts();
  constructor(
    readonly baseKey: string,
    readonly ttlMs: number,
  ) {}
}

export class CacheFlow {
  constructor(
    readonly store: ResponseCache,
    private readonly metrics: GatewayMetrics | null,
  ) {}

  /** Returns true when the request was answered from cache. */
  serve(ex: Exchange, ttlMs: number): boolean {
    const req = ex.req;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    // Credentials the gateway did not verify may personalize the answer: never cache those.
    if (ex.identity === null && (ex.authorization !== null || ex.apiKey !== null || req.headers.cookie !== undefined)) {
      return this.bypass(ex);
    }
    const requestCc = parseCacheControl(req.headers['cache-control']);
    if (requestCc.noStore) return this.bypass(ex);
    const route = ex.route!;
    const baseKey = `${route.id}\u0000${ex.host ?? ''}\u0000${ex.upstreamPath}\u0000${ex.identity?.cacheKey ?? ''}`;
    const header = (name: string): string | undefined => req.headers[name];
    if (!requestCc.noCache && requestCc.maxAge !== 0) {
      const hit = this.store.get(baseKey, header);
      if (hit !== undefined) {
        this.count(ex, 'hit');
        this.answer(ex, hit);
        return true;
      }
    }
    this.count(ex, 'miss');
    if (method === 'GET') ex.cacheAttempt = new CacheAttempt(baseKey, ttlMs);
    ex.cacheStatus = 'MISS';
    return false;
  }

  /** Called with the forwarded upstream headers before they are written. */
  onResponseHeaders(ex: Exchange, status: number, headers: string[]): void {
    if (ex.cacheStatus === null) return;
    const attempt = ex.cacheAttempt;
    if (attempt !== null) {
      const ttl = storableTtl(attempt.ttlMs, status, attempt.facts);
      if (ttl > 0 && attempt.facts.contentLength <= this.store.maxEntryBytes) {
        const stored = headers.slice();
        const names = varyNames(attempt.facts.vary);
        const store = this.store;
        const req = ex.req;
        ex.capture = {
          chunks: [],
          bytes: 0,
          limit: store.maxEntryBytes,
          store: (done: Exchange) => {
            const capture = done.capture!;
            const body = Buffer.concat(capture.chunks, capture.bytes);
            const entry: CachedResponse = { status, headers: stored, body, storedAt: Date.now(), size: entrySize(stored, body) };
            store.set(attempt.baseKey, names, (n) => req.headers[n], entry, ttl);
          },
        };
      }
    }
    headers.push('x-cache', 'MISS');
  }

  private answer(ex: Exchange, hit: CachedResponse): void {
    ex.cacheStatus = 'HIT';
    ex.status = hit.status;
    const out = hit.headers.slice();
    out.push('x-cache', 'HIT', 'age', String(Math.floor((Date.now() - hit.storedAt) / 1000)));
    for (const v of ex.responseExtras) out.push(v);
    ex.res.writeHead(hit.status, out);
    ex.res.end(ex.req.method === 'HEAD' ? undefined : hit.body);
    ex.ctx.hooks.finished(ex);
  }

  /** Not served from and not stored in the cache; still reported as a MISS. */
  private bypass(ex: Exchange): false {
    this.count(ex, 'bypass');
    ex.cacheStatus = 'MISS';
    return false;
  }

  private count(ex: Exchange, result: 'hit' | 'miss' | 'bypass'): void {
    if (this.metrics !== null) this.metrics.cache.inc({ route: ex.route!.id, result });
  }
}
