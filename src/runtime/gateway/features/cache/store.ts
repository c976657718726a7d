// Response caching for GET/HEAD: an in-memory LRU bounded by bytes, with per-route TTL capped
// by the upstream's Cache-Control. Rules (chosen to be safe before clever):
// - Entries are partitioned by the verified credential (API key name / JWT digest), so a
//   response cached for one credential is never served to another. A request carrying
//   credentials the gateway did not verify (Authorization, x-api-key or Cookie on a route
//   without auth) bypasses the cache entirely.
// - Not stored: no-store, private, no-cache, Set-Cookie, Vary: *, max-age=0, statuses other
//   than 200/203/204/300/301/404/410, bodies larger than the entry limit.
// - Vary is honoured: the request headers it names become part of the key.
// - Request Cache-Control: no-store bypasses; no-cache / max-age=0 skips the lookup (refresh).
import { LRUCache } from 'lru-cache';
import type { ResponseHeaderSink } from '../../headers.js';

export interface CacheControl {
  noStore: boolean;
  noCache: boolean;
  private: boolean;
  maxAge: number | null;
  sMaxAge: number | null;
}

export function parseCacheControl(value: string | undefined | null): CacheControl {
  const cc: CacheControl = { noStore: false, noCache: false, private: false, maxAge: null, sMaxAge: null };
  if (value === undefined || value === null) return cc;
  for (const part of value.split(',')) {
    const [rawName, rawArg] = part.split('=');
    const name = rawName.trim().toLowerCase();
    const arg = rawArg === undefined ? null : Number(rawArg.trim().replace(/^"|"$/g, ''));
    if (name === 'no-store') cc.noStore = true;
    else if (name === 'no-cache') cc.noCache = true;
    else if (name === 'private') cc.private = true;
    else if (name === 'max-age' && arg !== null && Number.isFinite(arg)) cc.maxAge = arg;
    else if (name === 's-maxage' && arg !== null && Number.isFinite(arg)) cc.sMaxAge = arg;
  }
  return cc;
}

const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 404, 410]);

/** How long a response may be stored (ms), or 0 when it must not be. */
export function storableTtl(routeTtlMs: number, status: number, seen: ResponseFacts): number {
  if (!CACHEABLE_STATUS.has(status)) return 0;
  if (seen.setCookie || seen.vary === '*') return 0;
  const cc = parseCacheControl(seen.cacheControl);
  if (cc.noStore || cc.private || cc.noCache) return 0;
  const upstreamSeconds = cc.sMaxAge ?? cc.maxAge;
  const ttl = upstreamSeconds === null ? routeTtlMs : Math.min(routeTtlMs, upstreamSeconds * 1000);
  return ttl > 0 ? ttl : 0;
}

/** The response headers caching decisions need, gathered during the header filter pass. */
export class ResponseFacts implements ResponseHeaderSink {
  cacheControl: string | null = null;
  vary: string | null = null;
  setCookie = false;
  contentLength = -1;

  responseHeader(name: string, value: string): void {
    switch (name) {
      case 'cache-control':
        this.cacheControl = this.cacheControl === null ? value : `${this.cacheControl}, ${value}`;
        break;
      case 'vary':
        this.vary = this.vary === null ? value.trim() : `${this.vary}, ${value.trim()}`;
        break;
      case 'set-cookie':
        this.setCookie = true;
        break;
      case 'content-length':
        this.contentLength = Number(value);
        break;
    }
  }
}

export interface CachedResponse {
  status: number;
  /** Upstream headers as forwarded (flat list), without per-request gateway headers. */
  headers: string[];
  body: Buffer;
  storedAt: number;
  size: number;
}

/** Request header names that vary a base key; lowercase, sorted. */
type VarySpec = readonly string[];

export function varyNames(vary: string | null): VarySpec {
  if (vary === null || vary === '') return [];
  return [...new Set(vary.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== ''))].sort();
}

export function variantKey(baseKey: string, names: VarySpec, header: (name: string) => string | undefined): string {
  if (names.length === 0) return baseKey;
  let key = baseKey;
  for (const n of names) key += `\u0001${n}=${header(n) ?? ''}`;
  return key;
}

export class ResponseCache {
  private readonly entries: LRUCache<string, CachedResponse>;
  /** base key -> the Vary names its responses declared. */
  private readonly vary: LRUCache<string, VarySpec>;
  readonly maxEntryBytes: number;

  constructor(maxBytes: number) {
    this.maxEntryBytes = Math.min(maxBytes, 8 * 1024 * 1024);
    this.entries = new LRUCache({ maxSize: maxBytes, maxEntrySize: this.maxEntryBytes, sizeCalculation: (e) => e.size });
    this.vary = new LRUCache({ max: 10_000 });
  }

  get(baseKey: string, header: (name: string) => string | undefined): CachedResponse | undefined {
    const names = this.vary.get(baseKey);
    if (names === undefined) return undefined;
    return this.entries.get(variantKey(baseKey, names, header));
  }

  set(baseKey: string, names: VarySpec, header: (name: string) => string | undefined, entry: CachedResponse, ttlMs: number): void {
    this.vary.set(baseKey, names);
    this.entries.set(variantKey(baseKey, names, header), entry, { ttl: ttlMs });
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }

  clear(): void {
    this.entries.clear();
    this.vary.clear();
  }
}

/** Entry size estimate: body plus header text plus a fixed overhead. */
export function entrySize(headers: readonly string[], body: Buffer): number {
  let size = body.length + 64;
  for (const h of headers) size += h.length;
  return size;
}
