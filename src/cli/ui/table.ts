// Plain text tables for human output: columns padded to their widest cell, header dimmed.
import { paint } from './paint.js';

/** Lines of a table whose first row is the header. `colorRow` may colour a body line. */
export function renderTable(rows: string[][], color: boolean, colorRow: (line: string) => string = (l) => l): string {
  const p = paint(color);
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows
    .map((r, n) => {
      const line = r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd();
      return n === 0 ? p.dim(line) : colorRow(line);
    })
    .join('\n');
}
