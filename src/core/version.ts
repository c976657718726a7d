// The package version, injected by the build (scripts/build.mjs defines __PORTICO_VERSION__).
// In core so that every layer can name it without importing the CLI.
declare const __PORTICO_VERSION__: string | undefined;
export const VERSION = typeof __PORTICO_VERSION__ === 'string' ? __PORTICO_VERSION__ : '0.0.0-dev';
