// CI behaviour of the commands, through main() in-process with captured streams (no TTY):
// --json gives exactly one JSON document on stdout, human messages go to stderr, no ANSI
// colours with NO_COLOR or without a terminal. Commands that need Docker use the real engine.
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/workspace.js';

describe('--json on failure', () => {
  it('a command that fails with --json prints one error document on stdout and the message on stderr', async () => {
    const dir = await tempDir(); // no portico.yaml here
    const result = await runCli(['up', '--json'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(result.code).not.toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.error.exitCode).toBe(result.code);
    expect(result.stderr).toContain(doc.error.message.split('\n')[0]);
  });

  it('validate --json: the problems on stdout, the human explanation on stderr', async () => {
    const dir = await tempDir({ 'portico.yaml': 'version: 1\nname: Bad Name\n' });
    const result = await runCli(['validate', '--json'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, problems: [{ path: 'name' }] });
    expect(result.stderr).toMatch(/^error .*portico\.yaml is not valid/);
  });
});
