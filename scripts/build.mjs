// Builds the CLI and the two container runtimes with esbuild.
// - dist/cli/: the CLI, ESM with code splitting so each command is its own lazily loaded chunk
//   and `portico --help` only parses the small entry file.
// - dist/runtime/{gateway,registry}.mjs: one self-contained file each (all dependencies inlined),
//   copied as-is onto the runtime image by `portico up`, so images need no node_modules.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../package.json', import.meta.url), 'utf8'));

// Bundled CommonJS dependencies may call require(); give ESM output a real one.
const requireShim = "import { createRequire as __porticoCreateRequire } from 'node:module'; const require = __porticoCreateRequire(import.meta.url);";

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });

// docker-modem loads its SSH transport (ssh2, with a native addon) at start-up although Portico
// only talks to the local engine socket or TCP. Bundling a stub instead keeps the published
// package free of runtime dependencies: `npm install portico` fetches nothing but the tarball.
const stubSsh2 = {
  name: 'stub-ssh2',
  setup(b) {
    b.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'portico-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'portico-stub' }, () => ({
      contents:
        "export class Client { constructor() { throw new Error('Portico does not support ssh:// Docker hosts; use a local socket or tcp:// (DOCKER_HOST).'); } }",
      loader: 'js',
    }));
  },
};

/** A module imported dynamically by the gateway becomes its own file next to gateway.mjs, loaded only when imported. */
function separateFile(name, filter, file) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter }, (args) => (args.kind === 'dynamic-import' ? { path: `./${file}`, external: true } : undefined));
    },
  };
}

// The OpenAPI validator (features/catalog/validate-document.ts) weighs more than the rest of the gateway.
// It becomes its own file next to gateway.mjs, imported only when a document needs validating,
// so a gateway without catalog traffic neither parses nor loads it.
const separateValidator = separateFile('separate-openapi-validator', /\/validate-document\.js$/, 'gateway-openapi.mjs');
// Handlebars (prompt endpoints of AI routes, features/ai/prompt-render.ts) likewise: its own file,
// loaded only by a config with prompts.
const separatePrompts = separateFile('separate-prompt-render', /\/prompt-render\.js$/, 'gateway-prompts.mjs');

// The MCP endpoint (features/mcp/server.ts: the MCP SDK, ajv, zod) likewise: its own file, imported
// only when gateway.json enables MCP (features/mcp/index.ts imports __PORTICO_MCP_MODULE__).
const GATEWAY_MCP_FILE = 'gateway-mcp.mjs';
const separateMcp = {
  name: 'separate-mcp-endpoint',
  setup(b) {
    b.onResolve({ filter: /^\.\/gateway-mcp\.mjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __PORTICO_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: requireShim },
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist/cli',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [stubSsh2],
  }),
  build({
    ...common,
    entryPoints: {
      gateway: 'src/runtime/gateway/main.ts',
      registry: 'src/runtime/registry/main.ts',
      'gateway-openapi': 'src/runtime/gateway/features/catalog/validate-document.ts',
      'gateway-prompts': 'src/runtime/gateway/features/ai/prompt-render.ts',
      'gateway-mcp': 'src/runtime/gateway/features/mcp/server.ts',
    },
    plugins: [separateValidator, separatePrompts, separateMcp],
    define: { ...common.define, __PORTICO_MCP_MODULE__: JSON.stringify(`./${GATEWAY_MCP_FILE}`) },
    outdir: 'dist/runtime',
    outExtension: { '.js': '.mjs' },
    minify: true,
    // Maps still give file:line in stack traces; without the embedded sources a runtime started
    // with --enable-source-maps holds ~13 MB less resident memory.
    sourcesContent: false,
  }),
]);

// The developer portal (docs/portal.md): the page's own code for the browser, plus the prebuilt
// Swagger UI bundle copied from its npm package. Everything is served by the gateway from the
// image, so the page works offline and loads nothing from a CDN. The file list is
// src/runtime/contract/ui-assets.ts; the gateway serves nothing else.
const UI_SRC = 'src/runtime/gateway/features/ui/web';
const UI_OUT = 'dist/runtime/ui';
await build({
  absWorkingDir: root,
  entryPoints: { app: `${UI_SRC}/app.ts`, login: `${UI_SRC}/login.ts` },
  outdir: UI_OUT,
  bundle: true,
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  format: 'esm',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await mkdir(new URL(`../${UI_OUT}`, import.meta.url), { recursive: true });
const uiCopies = {
  'index.html': `${UI_SRC}/index.html`,
  'login.html': `${UI_SRC}/login.html`,
  'swagger-ui-bundle.js': 'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'swagger-ui.css': 'node_modules/swagger-ui-dist/swagger-ui.css',
};
await Promise.all(Object.entries(uiCopies).map(([name, from]) => copyFile(new URL(`../${from}`, import.meta.url), new URL(`../${UI_OUT}/${name}`, import.meta.url))));
