// What every progress reporter offers the command that runs the engine (see progress.ts).
import type { Report } from '../../engine/progress.js';
import { paint } from './paint.js';

export interface ProgressReporter {
  report: Report;
  /** Resolves once everything is drawn, after printing the collected warnings as notes. */
  end(): Promise<void>;
}

/** Warnings, once the operation is over: one `note` line each. */
export function printNotes(warnings: string[], say: (line: string) => void, color: boolean): void {
  const p = paint(color);
  for (const w of warnings) say(`${p.yellow('note')} ${w}`);
}
