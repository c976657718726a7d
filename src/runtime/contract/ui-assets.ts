// The developer portal's files (docs/portal.md): built by scripts/build.mjs into
// dist/runtime/ui/, copied into the gateway image next to gateway.mjs, and served by the
// gateway's ui feature. The one list both sides read: the image copies exactly these, and the
// gateway serves exactly these (anything else under /_portico/ui/ is a 404, so no path from a
// request ever reaches the file system).
export const UI_DIR = 'ui';

export const UI_ASSET_FILES = [
  'index.html',
  'app.js',
  'app.css',
  'login.html',
  'login.js',
  'swagger-ui-bundle.js',
  'swagger-ui.css',
] as const;

export type UiAssetFile = (typeof UI_ASSET_FILES)[number];
