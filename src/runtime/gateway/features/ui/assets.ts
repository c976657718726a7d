// The portal's static files, served from the folder next to the gateway's bundle
// (dist/runtime/ui/ locally, /app/ui/ in the image). Only the names in UI_ASSET_FILES are ever
// read: a request names a file by looking it up in that list, never by building a path, so no
// request can reach another file. Each file is read once, on first use, and kept in memory with
// its gzip form and an ETag (the bundles change only with a new image, so revalidation is cheap).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { UI_ASSET_FILES, UI_DIR, type UiAssetFile } from '../../../contract/ui-assets.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The page may load only what the gateway serves and talk only to the gateway: no CDN, no
 * third-party origin. Swagger UI sets inline styles, hence style-src 'unsafe-inline'.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Headers every portal answer carries (also the login page's). */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': CONTENT_SECURITY_POLICY,
};

interface LoadedAsset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export function isUiAsset(name: string): name is UiAssetFile {
  return (UI_ASSET_FILES as readonly string[]).includes(name);
}

/**
 * `ui/` next to gateway.mjs (dist/runtime/ui/, /app/ui/ in the image). Run from the sources (the
 * in-process tests import this file as .ts), the checkout's build output instead.
 */
function defaultUiDir(): URL {
  return import.meta.url.endsWith('.ts') ? new URL(`../../../../../dist/runtime/${UI_DIR}/`, import.meta.url) : new URL(`./${UI_DIR}/`, import.meta.url);
}

export class UiAssets {
  private readonly loaded = new Map<UiAssetFile, Promise<LoadedAsset | null>>();

  /** `dir`: the folder holding the built files; by default `ui/` next to the running bundle. */
  constructor(private readonly dir: URL = defaultUiDir()) {}

  /** Answer with one asset (304 when the ETag matches, gzip when accepted, 404 when not built). */
  serve(req: HttpRequest, res: HttpResponse, name: UiAssetFile): void {
    void this.load(name).then((asset) => {
      if (res.destroyed) return;
      if (asset === null) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`the portal's ${name} is not built into this gateway (npm run build)`);
        return;
      }
      const headers: Record<string, string> = { ...PAGE_SECURITY_HEADERS, 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
      if (req.headers['if-none-match'] === asset.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const body = gzip ? asset.gzip : asset.body;
      if (gzip) headers['content-encoding'] = 'gzip';
      headers['content-length'] = String(body.length);
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }

  private load(name: UiAssetFile): Promise<LoadedAsset | null> {
    let pending = this.loaded.get(name);
    if (pending === undefined) {
      pending = readFile(new URL(name, this.dir)).then(
        (body) => ({
          type: CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
          body,
          gzip: gzipSync(body),
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        }),
        // Not built: answer 404 now, try again next time (a rebuilt dist/ in development).
        () => {
          this.loaded.delete(name);
          return null;
        },
      );
      this.loaded.set(name, pending);
    }
    return pending;
  }
}
