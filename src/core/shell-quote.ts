// Commands Portico prints for the user to paste (quickstart's next steps, the exports' kubectl
// lines) quote their paths the same way.

/** Quotes a path for a POSIX shell when it needs it. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
