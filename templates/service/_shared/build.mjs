// Bundles the service and all its dependencies into ONE file, dist/index.mjs, so the
// container image needs no node_modules (`portico up` copies only dist/ onto a Node image).
// `portico dev` imports this file for `bundleContext()`: an esbuild context it rebuilds
// incrementally on every save (same options, no new process per build).
import { build, context } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const options = {
  absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'silent',
  // Bundled CommonJS dependencies call require(); give the ESM bundle a real one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
};

/** An esbuild context with this service's options (the caller rebuilds and disposes it). */
export function bundleContext() {
  return context(options);
}

// `node build.mjs` (npm run build): one full build.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await rm(new URL('dist', import.meta.url), { recursive: true, force: true });
  await build({ ...options, logLevel: 'warning' });
}
