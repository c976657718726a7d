// Where Portico's own files are: the package root holds templates/ and dist/runtime/.
// Found by walking up from this module, so it works from src/ (tests) and dist/cli/ (built).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'portico') return (cached = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the portico package root');
    dir = parent;
  }
}

export const templatesDir = () => path.join(packageRoot(), 'templates');
/** The bundled container runtimes (built by `npm run build`). */
export const runtimeDistDir = () => path.join(packageRoot(), 'dist', 'runtime');
