// Duration and size parsing for compile/ (pure). The manifest accepts "10s" and "1mb";
// everything generated carries milliseconds and bytes.
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function toMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2]!]!);
}

export function toBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)$/i.exec(value);
  if (!m) throw new Error(`not a size: ${value}`);
  return Math.round(Number(m[1]) * SIZE_BYTES[m[2]!.toLowerCase()]!);
}
