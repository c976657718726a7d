// Distributions (request latency, tunnel duration): HDR histograms at 1 significant digit, in
// two halves.
//   recording  a fixed array of counts in HDR's own bin layout (Distribution), indexed with
//              integer arithmetic (Math.clz32 and a shift): a few nanoseconds per value, where
//              hdr-histogram-js's recordValue (floating-point log2/pow, min/max bookkeeping,
//              resize checks) cost ~150-250 ns per request on the hot path (docs/analytics.md, "Cost")
//   reading    at query time the window's counts are added bin by bin and handed to
//              hdr-histogram-js (its plain-JS Float64 flavour, imported directly: the package's
//              index pulls in the WebAssembly build, pako and base64-js) for the percentiles,
//              so the arithmetic (rounding, equivalent-value ranges) is the library's.
// Values are whole units (µs for latency, ms for tunnel durations) clamped to 1..DISTRIBUTION_MAX.
// 1 significant digit: every reported percentile is within 1/16 (6.25 %) of the true value;
// the bins are the library's (the unit test checks the index against its countsArrayIndex).
import * as Float64HistogramModule from 'hdr-histogram-js/dist/Float64Histogram.js';

// A CommonJS module: under Node's ESM loader (and to TypeScript) `default` is its exports
// object, whose `default` is the class; esbuild's interop gives the class itself.
type Float64HistogramClass = typeof Float64HistogramModule.default.default;
const loaded = Float64HistogramModule.default as unknown as Float64HistogramClass & { default?: Float64HistogramClass };
const Float64Histogram: Float64HistogramClass = loaded.default ?? loaded;

export const HISTOGRAM_SIGNIFICANT_DIGITS = 1;
/** HDR's layout for 1 digit from a lowest value of 1: 16 bins per power of two (half of 32 sub-buckets). */
const HALF_MAGNITUDE = 4;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
/** Longest latency kept apart: slower answers are recorded as 60 s. */
export const MAX_LATENCY_US = 60_000_000;
/** Longest tunnel kept apart, in ms (24 h): longer ones are recorded as 24 h. */
export const MAX_TUNNEL_MS = 86_400_000;
/** The largest value a distribution holds (the larger of the two ranges above). */
export const DISTRIBUTION_MAX = Math.max(MAX_LATENCY_US, MAX_TUNNEL_MS);

/** HDR's counts index of a whole value >= 1 (hdr-histogram-js's countsArrayIndex for 1..2^31 at 1 digit). */
export function binOf(value: number): number {
  const bucket = 31 - Math.clz32(value) - HALF_MAGNITUDE;
  return bucket <= 0 ? value : (bucket << HALF_MAGNITUDE) + (value >>> bucket);
}

/** The lowest value of a bin (hdr-histogram-js's valueFromIndex). */
export function binValue(index: number): number {
  let bucket = (index >> HALF_MAGNITUDE) - 1;
  let sub = (index & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

export const BINS = binOf(DISTRIBUTION_MAX) + 1;
/** Bytes of one recorded distribution's counts (Int32, fixed size): the figure of the memory bound. */
export const HISTOGRAM_MAX_BYTES = BINS * Int32Array.BYTES_PER_ELEMENT;

export class Distribution {
  /**
   * Int32 counts where requests are recorded (a bin would need 2^31 values in one bucket to
   * overflow); Float64 in query accumulators, which add up to 24 h of buckets.
   */
  readonly counts: Int32Array | Float64Array;
  total = 0;
  /** The largest value recorded, exactly (percentiles are capped by it). */
  max = 0;

  constructor(wide = false) {
    this.counts = wide ? new Float64Array(BINS) : new Int32Array(BINS);
  }

  /** Record one value (rounded, clamped into 1..limit). */
  record(value: number, limit: number): void {
    const v = value < 1 ? 1 : value > limit ? limit : Math.round(value);
    this.counts[binOf(v)]++;
    this.total++;
    if (v > this.max) this.max = v;
  }

  add(other: Distribution): void {
    if (other.total === 0) return;
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < BINS; i++) a[i] += b[i];
    this.total += other.total;
    if (other.max > this.max) this.max = other.max;
  }
}

/** Record one latency in microseconds (clamped into 1 µs..60 s). */
export function recordLatency(d: Distribution, us: number): void {
  d.record(us, MAX_LATENCY_US);
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Percentiles in milliseconds (3 decimals) from values in microseconds (`scale` 1000), or in
 * the values' own unit (`scale` 1); zeros for an empty (or absent) distribution. `max` is the largest value
 * recorded, exactly; a percentile is the top of its HDR bin, never more than `max`.
 */
export function summarize(d: Distribution | null, scale = 1000): LatencySummary {
  if (d === null || d.total === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const h = new Float64Histogram(1, 2, HISTOGRAM_SIGNIFICANT_DIGITS);
  h.autoResize = true;
  const counts = d.counts;
  for (let i = 0; i < BINS; i++) if (counts[i] > 0) h.recordValueWithCount(binValue(i), counts[i]);
  const at = (p: number) => round(Math.min(h.getValueAtPercentile(p), d.max) / scale);
  return { p50: at(50), p95: at(95), p99: at(99), max: round(d.max / scale) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
