// Request-path hygiene. Routing happens on the normalized path, and the normalized path is what
// the upstream receives, so `/api/orders/../admin` can never reach the orders service as
// `/admin`: dot segments (also percent-encoded ones) are resolved first, and encoded slashes,
// backslashes and NUL bytes, which upstreams decode differently, are refused outright.

const UNSAFE_ENCODED = /%(2f|5c|00)/i;
const ENCODED_DOT = /%2e/gi;

/** Cheap test for the common case: nothing to normalize. */
function isPlain(path: string): boolean {
  return path.indexOf('%') === -1 && path.indexOf('/.') === -1 && path.indexOf('\\') === -1;
}

/**
 * The normalized path (starting with "/"), or null when the path must be refused with 400.
 * `path` excludes the query string.
 */
export function normalizePath(path: string): string | null {
  if (path.charCodeAt(0) !== 47 /* / */) return null; // absolute-form and `*` targets are not proxied
  if (isPlain(path)) return path;
  if (path.indexOf('\\') !== -1 || UNSAFE_ENCODED.test(path)) return null;
  const decodedDots = path.replace(ENCODED_DOT, '.');
  const segments = decodedDots.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '.') {
      if (i === segments.length - 1) out.push('');
    } else if (segment === '..') {
      out.pop(); // never above the root
      if (i === segments.length - 1) out.push('');
    } else {
      out.push(segment);
    }
  }
  return '/' + out.join('/');
}

/** The part of `url` before `?` and the query (with its `?`, or ''). */
export function splitUrl(url: string): [path: string, query: string] {
  const q = url.indexOf('?');
  return q === -1 ? [url, ''] : [url.slice(0, q), url.slice(q)];
}
