// Where the cache meets the request flow: lookup before the upstream, and capture of a
// storable upstream answer while it streams to the client (the body is never held back).
import type { Exchange } from '../../exchange.js';
import { reportResponseHeaders } from '../../headers.js';
import { ANSWERED, NEXT } from '../types.js';
import { ResponseCache, ResponseFacts, entrySize, parseCacheControl, storableTtl, varyNames, type CachedResponse } from './store.js';

/** A storable answer's body, collected as it is relayed. */
interface Capture {
  chunks: Buffer[];
  bytes: number;
  store(): void;
}

/** Per-request cache state, allocated only for GET misses on routes that cache. */
export class CacheAttempt {
  readonly facts = new ResponseFacts();
  /** Set once the answer's head says it may be stored; dropped when it grows past the limit. */
  capture: Capture | null = null;
  constructor(
    readonly baseKey: string,
    readonly ttlMs: number,
  ) {}
}

export class CacheFlow {
  constructor(readonly store: ResponseCache) {}

  /** Before the upstream: answers from the cache (true) or prepares a capture (false). */
  serve(ex: Exchange, ttlMs: number): boolean {
    const req = ex.req;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return NEXT;
    // Credentials the gateway did not verify may personalize the answer: never cache those.
    if (ex.identity === null && (ex.authorization !== null || ex.apiKey !== null || req.headers.cookie !== undefined)) {
      ex.cacheResult = 'bypass';
      return NEXT;
    }
    const requestCc = parseCacheControl(req.headers['cache-control']);
    if (requestCc.noStore) {
      ex.cacheResult = 'bypass';
      return NEXT;
    }
    const route = ex.route!;
    const baseKey = `${route.id}\u0000${ex.host ?? ''}\u0000${ex.upstreamPath}\u0000${ex.identity?.cacheKey ?? ''}`;
    const header = (name: string): string | undefined => req.headers[name];
    if (!requestCc.noCache && requestCc.maxAge !== 0) {
      const hit = this.store.get(baseKey, header);
      if (hit !== undefined) {
        this.answer(ex, hit);
        return ANSWERED;
      }
    }
    ex.cacheResult = 'miss';
    if (method === 'GET') ex.cacheAttempt = new CacheAttempt(baseKey, ttlMs);
    return NEXT;
  }

  /** The forwarded upstream headers, before they are written: x-cache, and a capture when storable. */
  onResponseHeaders(ex: Exchange, status: number, headers: string[]): void {
    if (ex.cacheResult === null) return;
    const attempt = ex.cacheAttempt;
    if (attempt !== null) {
      reportResponseHeaders(headers, attempt.facts);
      const ttl = storableTtl(attempt.ttlMs, status, attempt.facts);
      if (ttl > 0 && attempt.facts.contentLength <= this.store.maxEntryBytes) {
        const stored = headers.slice();
        const names = varyNames(attempt.facts.vary);
        const store = this.store;
        const req = ex.req;
        const capture: Capture = {
          chunks: [],
          bytes: 0,
          store: () => {
            const body = Buffer.concat(capture.chunks, capture.bytes);
            const entry: CachedResponse = { status, headers: stored, body, storedAt: Date.now(), size: entrySize(stored, body) };
            store.set(attempt.baseKey, names, (n) => req.headers[n], entry, ttl);
          },
        };
        attempt.capture = capture;
      }
    }
    headers.push('x-cache', 'MISS');
  }

  onData(ex: Exchange, chunk: Buffer): void {
    const attempt = ex.cacheAttempt;
    const capture = attempt?.capture;
    if (capture == null) return;
    capture.bytes += chunk.length;
    if (capture.bytes > this.store.maxEntryBytes) attempt!.capture = null;
    else capture.chunks.push(Buffer.from(chunk)); // the chunk is a transient view
  }

  /** Only a complete answer is stored; an aborted stream never gets here. */
  onEnd(ex: Exchange): void {
    ex.cacheAttempt?.capture?.store();
  }

  private answer(ex: Exchange, hit: CachedResponse): void {
    ex.cacheResult = 'hit';
    const out = hit.headers.slice();
    out.push('x-cache', 'HIT', 'age', String(Math.floor((Date.now() - hit.storedAt) / 1000)));
    for (const v of ex.responseExtras) out.push(v);
    ex.respond(hit.status, out, ex.req.method === 'HEAD' ? undefined : hit.body);
  }
}
