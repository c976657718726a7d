// A precompiled path-prefix router. gateway.json lists routes in file order; the gateway owns
// the match order: longest prefix first, then host-specific before host-agnostic, then file
// order. Routes are bucketed by their first path segment so a request only looks at the few
// routes that can match it.

export interface RouteMatcher {
  /** Path prefix as written in gateway.json ("/api/orders", "/"). */
  readonly path: string;
  readonly host: string | null;
  readonly methods: readonly string[] | null;
}

interface Entry<T> {
  readonly prefix: string; // without trailing slash; "" for the root route
  readonly host: string | null; // lowercase, without port
  readonly methods: ReadonlySet<string> | null;
  readonly value: T;
}

function trimPrefix(path: string): string {
  let p = path;
  while (p.length > 0 && p.charCodeAt(p.length - 1) === 47) p = p.slice(0, -1);
  return p;
}

function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

export class PrefixRouter<T> {
  private readonly buckets = new Map<string, Entry<T>[]>();
  private readonly rootEntries: Entry<T>[] = [];

  constructor(routes: readonly T[], matcherOf: (value: T) => RouteMatcher) {
    const entries = routes.map((value, index) => {
      const m = matcherOf(value);
      const methods = m.methods === null ? null : new Set(m.methods.map((x) => x.toUpperCase()));
      // A route open to GET answers HEAD too, as any HTTP server would.
      if (methods !== null && methods.has('GET')) methods.add('HEAD');
      return { index, entry: { prefix: trimPrefix(m.path), host: m.host === null ? null : m.host.toLowerCase(), methods, value } };
    });
    entries.sort(
      (a, b) =>
        b.entry.prefix.length - a.entry.prefix.length ||
        Number(b.entry.host !== null) - Number(a.entry.host !== null) ||
        a.index - b.index,
    );
    for (const { entry } of entries) {
      if (entry.prefix === '') {
        this.rootEntries.push(entry);
        continue;
      }
      const key = firstSegment(entry.prefix);
      let bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, (bucket = []));
      bucket.push(entry);
    }
  }

  /**
   * The best route for a normalized path, or undefined. `host` is the request's Host header
   * lowercased without the port ('' when absent).
   */
  match(method: string, host: string, path: string): { value: T; prefix: string } | undefined {
    const bucket = this.buckets.get(firstSegment(path));
    if (bucket !== undefined) {
      const hit = scan(bucket, method, host, path);
      if (hit !== undefined) return hit;
    }
    return scan(this.rootEntries, method, host, path);
  }
}

function scan<T>(entries: readonly Entry<T>[], method: string, host: string, path: string): { value: T; prefix: string } | undefined {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const p = e.prefix;
    if (p.length > 0) {
      if (!path.startsWith(p)) continue;
      if (path.length > p.length && path.charCodeAt(p.length) !== 47) continue; // "/api/ordersX" is not under "/api/orders"
    }
    if (e.host !== null && e.host !== host) continue;
    if (e.methods !== null && !e.methods.has(method)) continue;
    return e;
  }
  return undefined;
}

/** The path the upstream sees when the route strips its prefix. */
export function stripPrefix(path: string, prefix: string): string {
  if (prefix.length === 0) return path;
  const rest = path.slice(prefix.length);
  return rest.length === 0 ? '/' : rest;
}

/** Host header value -> lowercase host without port. */
export function hostOf(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return '';
  let end = hostHeader.length;
  if (hostHeader.charCodeAt(0) === 91 /* [ ipv6 literal */) {
    end = hostHeader.indexOf(']') + 1;
  } else {
    const colon = hostHeader.indexOf(':');
    if (colon !== -1) end = colon;
  }
  return hostHeader.slice(0, end).toLowerCase();
}
