// Runs a CLI command in-process for an MCP tool, the way `portico <cmd> --json` would: its
// stdout (one JSON document) is captured and parsed, so every tool answers with exactly the
// shape the CLI documents. The command's human output (progress, warnings) goes to `log`
// (stderr in `portico mcp`): stdout belongs to the protocol.
import { Writable } from 'node:stream';
import { createContext, type CommandContext } from '../context.js';
import { jsonErrorDocument } from '../json-error.js';

export interface ToolEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Human lines from commands; never stdout. */
  log: (text: string) => void;
  signal?: AbortSignal;
}

export interface CommandOutcome {
  code: number;
  stdout: string;
}

type Run<O> = (options: O, ctx: CommandContext) => Promise<number | void>;

/** A stream that keeps what is written (or hands it on), without being a TTY. */
function sink(onText: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      onText(chunk.toString());
      done();
    },
  });
}

/** The command's exit code and captured stdout; an error it throws is returned as its --json error document. */
export async function runCommand<O>(run: Run<O>, options: O, te: ToolEnv): Promise<CommandOutcome> {
  let stdout = '';
  const ctx = createContext({
    cwd: te.cwd,
    env: te.env,
    stdout: sink((t) => (stdout += t)),
    stderr: sink(te.log),
    color: false,
    stdinIsTTY: false,
    signal: te.signal,
  });
  try {
    const code = await run(options, ctx);
    return { code: typeof code === 'number' ? code : 0, stdout };
  } catch (error) {
    const doc = jsonErrorDocument(error);
    // A ReportedError already wrote its document (e.g. `up` when a health wait failed).
    return { code: (error as { exitCode?: number }).exitCode ?? 1, stdout: doc ? JSON.stringify(doc) : stdout };
  }
}

/** The one JSON document a `--json` command printed. */
export function parseDocument(outcome: CommandOutcome): Record<string, unknown> {
  const text = outcome.stdout.trim();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { error: { message: text || `the command exited with ${outcome.code} and printed nothing`, exitCode: outcome.code } };
  }
}
