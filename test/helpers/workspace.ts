// Test fixtures: temp folders from inline {path: content} maps, removed after each test, and
// the CLI run in-process with captured output.
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import { main } from '../../src/cli/main.js';

export type FileMap = Record<string, string>;

const created: string[] = [];

/** Removes every folder made by tempDir() after each test of the file that imports this. */
afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(files: FileMap = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-test-'));
  created.push(dir);
  await writeFiles(dir, files);
  return dir;
}

export async function writeFiles(dir: string, files: FileMap): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Every file under dir (relative paths, sorted) with its content. */
export async function readTree(dir: string): Promise<FileMap> {
  const out: FileMap = {};
  const walk = async (sub: string) => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else out[rel] = await readFile(path.join(dir, rel), 'utf8');
    }
  };
  await walk('');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** A templates folder with template.json files only (layout of the package's templates/). */
export function templateFixtures(ids: string[]): FileMap {
  return Object.fromEntries(
    ids.map((id) => [
      `service/${id}/template.json`,
      JSON.stringify({ id, description: `${id} test template`, defaultPort: 3000, language: 'typescript' }),
    ]),
  );
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `portico <argv>` in-process in `cwd` with captured output, no TTY and no colour. */
export async function runCli(argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, {
    context: { cwd: opts.cwd, env: { NO_COLOR: '1', ...opts.env }, stdout, stderr, stdinIsTTY: false },
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
