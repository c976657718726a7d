// Latency distributions: HDR histograms from hdr-histogram-js, its plain-JS Int32 flavour
// imported directly (the package's index pulls in the WebAssembly build, pako and base64-js,
// none of which the gateway needs). Values are recorded in microseconds, clamped to
// 1 µs..60 s, with 1 significant digit: every reported percentile is within 1/16 (6.25 %) of
// the true value, and a histogram holds at most HISTOGRAM_MAX_BYTES whatever it records
// (autoResize grows it only up to the largest latency seen). Two digits would cost 11 KB per
// histogram and cap the 24 h history at a third of the keys (docs/analytics.md, "Memory bound").
import * as Int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';

// A CommonJS module: under Node's ESM loader (and to TypeScript) `default` is its exports
// object, whose `default` is the class; esbuild's interop gives the class itself.
type Int32HistogramClass = typeof Int32HistogramModule.default.default;
const loaded = Int32HistogramModule.default as unknown as Int32HistogramClass & { default?: Int32HistogramClass };
const Int32Histogram: Int32HistogramClass = loaded.default ?? loaded;

export type LatencyHistogram = InstanceType<Int32HistogramClass>;

export const HISTOGRAM_SIGNIFICANT_DIGITS = 1;
/** Longest latency kept apart: slower answers are recorded as 60 s. */
export const MAX_LATENCY_US = 60_000_000;
/** The library's own estimate for a histogram spanning 1 µs..60 s at 1 digit (test/unit asserts it). */
export const HISTOGRAM_MAX_BYTES = 2_496;

export function newHistogram(): LatencyHistogram {
  const h = new Int32Histogram(1, 2, HISTOGRAM_SIGNIFICANT_DIGITS);
  h.autoResize = true;
  return h;
}

/** Record one latency in microseconds (clamped into the tracked range). */
export function recordLatency(h: LatencyHistogram, us: number): void {
  h.recordValue(us < 1 ? 1 : us > MAX_LATENCY_US ? MAX_LATENCY_US : Math.round(us));
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Percentiles in milliseconds (3 decimals); zeros for an empty histogram. `max` is the largest
 * value recorded, exactly; a percentile is the top of its HDR bin, never more than `max`.
 */
export function summarize(h: LatencyHistogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const max = h.maxValue;
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), max));
  return { p50: at(50), p95: at(95), p99: at(99), max: ms(max) };
}

function ms(us: number): number {
  return Math.round(us) / 1000;
}
