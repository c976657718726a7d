// `portico mcp`'s pure parts: `since` for logs, and a command run in-process for a tool (its
// stdout document captured, its human output kept off stdout, its errors as --json documents).
import { describe, expect, it } from 'vitest';
import { usageError } from '../../src/core/errors.js';
import { parseDocument, runCommand } from '../../src/cli/mcp/run-command.js';
import { sinceSeconds } from '../../src/cli/mcp/stack-server.js';

describe('portico mcp tools', () => {
  it('since: a duration back from now or a timestamp, as unix seconds', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(sinceSeconds('10m', now)).toBe(now / 1000 - 600);
    expect(sinceSeconds('2026-01-01T11:00:00Z', now)).toBe(now / 1000 - 3600);
    expect(() => sinceSeconds('yesterday', now)).toThrow(/duration like "10m"/);
  });

  it('runs a command in-process: stdout is the document, stderr goes to the log', async () => {
    const logged: string[] = [];
    const outcome = await runCommand(
      async (_o: object, ctx) => {
        ctx.stderr.write('progress\n');
        ctx.stdout.write(`${JSON.stringify({ ok: true, interactive: ctx.interactive, color: ctx.color })}\n`);
        return 0;
      },
      {},
      { cwd: '/tmp', env: {}, log: (t) => logged.push(t) },
    );
    expect(parseDocument(outcome)).toEqual({ ok: true, interactive: false, color: false });
    expect(logged).toEqual(['progress\n']);
  });

  it('a thrown PorticoError becomes the --json error document', async () => {
    const outcome = await runCommand(async () => {
      throw usageError('no such service', 'Try another.');
    }, {}, { cwd: '/tmp', env: {}, log: () => {} });
    expect(outcome.code).toBe(2);
    expect(parseDocument(outcome)).toEqual({ error: { message: 'no such service', hint: 'Try another.', exitCode: 2 } });
  });
});
