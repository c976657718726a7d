// The gateway's analytics API (src/runtime/gateway/features/analytics serves it; `portico
// analytics`, `portico top` and the dashboard read it). An admin surface: every request needs
// `Authorization: Bearer <admin token>` (or the portico_admin cookie). docs/analytics.md.
//   GET /_portico/analytics?window=15m&by=route|consumer|service|status|model[&route=][&service=][&consumer=]

export const ANALYTICS_PATH = '/_portico/analytics';
export const ANALYTICS_GROUP_BY = ['route', 'consumer', 'service', 'status', 'model'] as const;
export type AnalyticsGroupBy = (typeof ANALYTICS_GROUP_BY)[number];
export const DEFAULT_ANALYTICS_WINDOW = '15m';
/** The windows served: 1 min to 24 h (the history tier's reach). */
export const MIN_ANALYTICS_WINDOW_SECONDS = 60;
export const MAX_ANALYTICS_WINDOW_SECONDS = 86_400;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `30m`, `1h`, `90s`... in seconds; null unless it is a whole number of s/m/h from 1m to 24h. */
export function parseAnalyticsWindow(text: string): number | null {
  const m = /^(\d{1,5})([smh])$/.exec(text);
  if (m === null) return null;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
  return seconds >= MIN_ANALYTICS_WINDOW_SECONDS && seconds <= MAX_ANALYTICS_WINDOW_SECONDS ? seconds : null;
}

/** Milliseconds, from HDR histograms (within 1/16 of the true value). */
export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface AnalyticsCounts {
  requests: number;
  /** Answers with a 5xx status: the upstream's and the gateway's own (502 unreachable, 503 circuit open / no instance, 504 timeout, 500). */
  errors: number;
  /** Rejected with 429 by the rate limit. */
  rateLimited: number;
  /** Answered from the gateway's cache. */
  cacheHits: number;
  /** Request body bytes received. */
  bytesIn: number;
  /** Response body bytes sent (without the head). */
  bytesOut: number;
  /** Failed upstream attempts, retried or not (portico_gateway_upstream_errors_total). */
  upstreamErrors: number;
  latencyMs: LatencyPercentiles;
  tunnels: AnalyticsTunnels;
  ai: AnalyticsAiCounts;
  /**
   * Requests per second right now: over the last complete 10 s bucket and the open one (10 to
   * 20 s), whatever the window; what `portico top` shows.
   */
  ratePerSecond: number;
}

/** WebSocket tunnels (upgrades the upstream answered 101). */
export interface AnalyticsTunnels {
  /** Tunnels opened in the window. */
  upgrades: number;
  /** Open now, whatever the window (a tunnel may outlive it). */
  open: number;
  /** Tunnels closed in the window, and what they relayed (bytes after the upgrade, both ways). */
  closed: number;
  bytesIn: number;
  bytesOut: number;
  /** How long the closed ones stayed open, in ms (HDR, within 1/16; longer than 24 h counts as 24 h). */
  durationMs: LatencyPercentiles;
}

/** AI route calls that reached a model (features/ai; what portico_ai_* counts). */
export interface AnalyticsAiCounts {
  requests: number;
  /** Tokens the providers reported. */
  inputTokens: number;
  outputTokens: number;
  /** Calls answered (or failed last) after at least one fallback to another model. */
  fallbacks: number;
}

/** AI usage per route, consumer, provider and model (the ones with calls in the window). */
export interface AnalyticsAiUsage extends AnalyticsAiCounts {
  route: string;
  service: string;
  consumer: string;
  provider: string;
  model: string;
}

/** Calls that moved from one model to the next on a route (one per hop of a fallback chain). */
export interface AnalyticsAiFallback {
  route: string;
  /** `<provider>/<model>` */
  from: string;
  to: string;
  count: number;
}

export interface AnalyticsAiSection {
  /** Sorted by tokens (input + output), most first. */
  usage: AnalyticsAiUsage[];
  /** Sorted by count, most first. */
  fallbacks: AnalyticsAiFallback[];
}

export interface AnalyticsGroup extends AnalyticsCounts {
  /** Route id, consumer, service, status class (2xx..5xx) or `<provider>/<model>` ("(none)" for non-AI requests), per `by`. */
  key: string;
  statusClasses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
}

export interface AnalyticsPoint {
  /** Unix seconds of the bucket's start. */
  t: number;
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface AnalyticsDocument {
  window: string;
  by: AnalyticsGroupBy;
  bucketSeconds: number;
  from: string;
  to: string;
  filters: { route: string | null; service: string | null; consumer: string | null };
  totals: AnalyticsCounts;
  /** Sorted by requests, most first (then by key). */
  groups: AnalyticsGroup[];
  /** One per bucket of the window, oldest first, empty buckets included. */
  series: AnalyticsPoint[];
  /** AI usage in the window (empty lists without AI routes). */
  ai: AnalyticsAiSection;
}
