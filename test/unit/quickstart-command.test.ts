// `portico quickstart` decisions that come before any file or container: the confirmation,
// a directory that is not its own, a bad --port. In-process, in temp folders.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/quickstart.js';
import { createContext } from '../../src/cli/context.js';
import type { Prompter } from '../../src/cli/ui/prompter.js';
import { runCli, tempDir } from '../helpers/workspace.js';

const sink = () => new Writable({ write: (_c, _e, done) => done() });

describe('portico quickstart (before anything is written)', () => {
  it('asks first when a person is there; "no" creates nothing', async () => {
    const cwd = await tempDir();
    const asked: string[] = [];
    const prompter = {
      confirm: async (message: string) => {
        asked.push(message);
        return false;
      },
    } as unknown as Prompter;
    const ctx = { ...createContext({ cwd, env: {}, stdout: sink(), stderr: sink(), stdinIsTTY: true }), interactive: true };
    expect(await run({ dir: 'demo' }, ctx, prompter)).toBe(1);
    expect(asked).toEqual([`Create a demo workspace in ${path.join(cwd, 'demo')} and start it with Docker?`]);
    expect(existsSync(path.join(cwd, 'demo'))).toBe(false);
  });

  it('refuses a non-empty directory that is not a quickstart workspace (exit 2)', async () => {
    const cwd = await tempDir({ 'mine/notes.txt': 'x' });
    const result = await runCli(['quickstart', 'mine', '--yes'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mine already exists and is not a quickstart workspace');
    expect(await readdir(path.join(cwd, 'mine'))).toEqual(['notes.txt']);
  });

  it('rejects a bad --port (exit 2) before creating the directory', async () => {
    const cwd = await tempDir();
    for (const port of ['0', '65536', 'abc']) {
      const result = await runCli(['quickstart', 'demo', '--yes', '--port', port], { cwd });
      expect(result.code, port).toBe(2);
      expect(result.stderr).toMatch(/--port: port .* (is not a whole number|is out of range)/);
    }
    expect(await readdir(cwd)).toEqual([]);
  });
});
