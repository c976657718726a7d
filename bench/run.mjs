// `npm run bench`: runs every section in bench/sections/*.mjs in turn (each exports
// `async function run({ root, log })` returning a JSON-able object) and writes one JSON
// document to stdout and to bench/results/bench-<date>.json.
// Sections measure Portico and its comparison point side by side in the same run.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const log = (...args) => console.error('[bench]', ...args);

const sectionsDir = path.join(root, 'bench', 'sections');
const files = (await readdir(sectionsDir)).filter((f) => f.endsWith('.mjs')).sort();
const results = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, startedAt: new Date().toISOString(), sections: {} };
for (const file of files) {
  const name = file.replace(/\.mjs$/, '');
  if (only.length > 0 && !only.includes(name)) continue;
  log(`section ${name}`);
  const mod = await import(path.join(sectionsDir, file));
  try {
    results.sections[name] = await mod.run({ root, log });
  } catch (error) {
    results.sections[name] = { error: String(error?.stack ?? error) };
  }
}
const out = JSON.stringify(results, null, 2);
await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
await writeFile(path.join(root, 'bench', 'results', `bench-${results.startedAt.replace(/[:.]/g, '-')}.json`), out);
process.stdout.write(out + '\n');
