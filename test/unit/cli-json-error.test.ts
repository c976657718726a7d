// The error document --json commands print on stdout when they fail (see json-error.ts).
import { describe, expect, it } from 'vitest';
import { ExitCode, InterruptedError, PorticoError, ReportedError } from '../../src/core/errors.js';
import { jsonErrorDocument } from '../../src/cli/json-error.js';

describe('--json on failure', () => {
  it('describes expected failures, internal errors and interrupts; nothing for already-reported ones', () => {
    expect(jsonErrorDocument(new PorticoError('port taken', { exitCode: ExitCode.ENVIRONMENT, hint: 'free it', details: { port: 8080 } }))).toEqual({
      error: { message: 'port taken', hint: 'free it', exitCode: 3, details: { port: 8080 } },
    });
    expect(jsonErrorDocument(new TypeError('x is undefined'))).toEqual({ error: { message: 'internal error: x is undefined', exitCode: 1 } });
    expect(jsonErrorDocument(new InterruptedError())).toEqual({ error: { message: 'interrupted', exitCode: 130 } });
    expect(jsonErrorDocument(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }))).toEqual({ error: { message: 'interrupted', exitCode: 130 } });
    // Recognised by type, not by message: a bug whose message happens to be "interrupted" is still a bug.
    expect(jsonErrorDocument(new Error('interrupted'))).toEqual({ error: { message: 'internal error: interrupted', exitCode: 1 } });
    expect(jsonErrorDocument(new ReportedError(ExitCode.FAILED))).toBeUndefined();
  });
});
