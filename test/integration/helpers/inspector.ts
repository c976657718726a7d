// The MCP Inspector's CLI (@modelcontextprotocol/inspector-cli, a client no one here wrote).
// The `inspector` package's newer majors need Node 22; its CLI package declares no engines and
// runs on Node 20. Its build reads ../package.json relative to the working directory, so it
// runs from its own build folder (targets are absolute paths).
import { execa } from 'execa';
import path from 'node:path';
import { root } from './stack.js';

const buildDir = path.join(root, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');

/** Runs `inspector-cli <args>`; the parsed JSON it prints. */
export async function inspector(args: string[]): Promise<any> {
  const r = await execa('node', [path.join(buildDir, 'index.js'), ...args], { cwd: buildDir, reject: false, all: true, timeout: 120_000, env: { CI: '1', NO_COLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`inspector-cli ${args.join(' ')} failed:\n${r.all}`);
  return JSON.parse(r.stdout);
}
