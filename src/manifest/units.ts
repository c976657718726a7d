// The manifest's duration and size syntax, defined once: the schema checks strings with these
// patterns and compile/ (and the semantic checks) turn them into milliseconds and bytes. Pure.
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** "500ms", "10s", "1m", "1h", "1d" (token quotas are daily). */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
/** "512kb", "1mb" (unit case-insensitive). */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)$/i;

export function toMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = DURATION_PATTERN.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2]!]!);
}

export function toBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = SIZE_PATTERN.exec(value);
  if (!m) throw new Error(`not a size: ${value}`);
  return Math.round(Number(m[1]) * SIZE_BYTES[m[2]!.toLowerCase()]!);
}
