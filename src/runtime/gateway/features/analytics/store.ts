// The analytics store: counters and distributions per series key (route × consumer × method ×
// status class × AI model) in time buckets, in memory (docs/analytics.md).
//   recent tier   10 s buckets for the last hour (360); requests are recorded here
//   history tier  1 min buckets for the last 24 h (1,440); each 10 s bucket is rolled into its
//                 minute when it closes (so the hot path records once), without the method
//                 dimension (no query groups by method; it keeps minutes small)
// Besides requests, a series counts the WebSocket tunnels its upgrade requests opened and, when
// they close, their bytes and a duration distribution (made on the first close); AI routes add
// the model dimension, token counts and fallback hops (from-model -> to-model per route).
// Bounded whatever the traffic:
//   - a bucket keeps at most MAX_CONSUMERS_PER_BUCKET consumers; later ones count as "other";
//   - a bucket keeps at most MAX_CELLS_PER_BUCKET series; later ones fold into their route's
//     overflow series (consumer "other", method OTHER), at most 5 more per route and model;
//   - at most MAX_MODELS distinct provider/model pairs are told apart; later ones count as
//     other/other; a bucket keeps at most MAX_FALLBACKS_PER_BUCKET fallback hops;
//   - the whole store keeps at most MAX_CELLS units (a series, a tunnel duration distribution
//     or a fallback hop; each ≤ HISTOGRAM_MAX_BYTES plus its counters); past it the oldest
//     buckets are dropped (history first) to make room.
// Per request: no clock read (the exchange's timing gives the time), a few increments and one
// distribution record (an array increment at an integer-computed index); three Map lookups
// (method, consumer, series code) only when the request's series differs from the route's
// previous request. No strings built and nothing allocated once the series exists in the
// current bucket. Histogram merges and percentiles happen at query time (query.ts).
import type { TunnelTotals } from '../../http1/tunnel.js';
import type { AiOutcome } from '../ai/outcome.js';
import { Distribution, MAX_TUNNEL_MS, recordLatency } from './histogram.js';

export const RECENT_BUCKET_SECONDS = 10;
export const RECENT_BUCKETS = 360;
export const HISTORY_BUCKET_SECONDS = 60;
export const HISTORY_BUCKETS = 1_440;
export const MAX_CONSUMERS_PER_BUCKET = 1_000;
export const MAX_CELLS_PER_BUCKET = 2_000;
export const MAX_CELLS = 32_768;
/** Provider/model pairs told apart (index 0 is "no model": not an AI request; 1 is other/other). */
export const MAX_MODELS = 256;
export const MAX_FALLBACKS_PER_BUCKET = 200;
export const OTHER_CONSUMER = 'other';
export const ANONYMOUS = 'anonymous';
export const NO_MODEL = 0;
export const OTHER_MODEL = 1;

/** 'ANY' is the history tier's: minutes keep no per-method series (no query groups by method). */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER', 'ANY'] as const;
const METHOD_INDEX = new Map<string, number>(METHODS.slice(0, 8).map((m, i) => [m, i]));
const OTHER_METHOD = 7;
const ANY_METHOD = 8;
/** Index 0..4 = 1xx..5xx. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** A tunnel's upgrade answered 101: its series is the 1xx one of its route, consumer and GET. */
const TUNNEL_METHOD = 0;
export const TUNNEL_CLASS = 0;

/**
 * A route as analytics knows it, numbered once (config load) so series keys are numbers. It
 * remembers the series its last request went to: steady traffic (the same consumer, method,
 * status class and model in the same bucket) skips the Map lookups.
 */
export class RouteSlot {
  lastBucket: Bucket | null = null;
  lastConsumer = '';
  lastMethod = '';
  lastClass = -1;
  lastModel = -1;
  lastCell: Cell | null = null;
  /**
   * WebSocket tunnels open now, per consumer (a gauge, not bucketed: a tunnel may outlive any
   * window). Entries go when they reach 0, so its size is bounded by the open connections.
   */
  readonly openTunnels = new Map<string, number>();
  constructor(
    readonly index: number,
    readonly id: string,
    readonly service: string,
  ) {}
}

/** A provider/model pair as analytics numbers it. */
export interface ModelName {
  readonly provider: string;
  readonly model: string;
}

/** What one request contributes. */
export interface Observation {
  consumer: string;
  method: string;
  status: number;
  latencyUs: number;
  bytesIn: number;
  bytesOut: number;
  rateLimited: boolean;
  cacheHit: boolean;
  /** Failed upstream attempts (as portico_gateway_upstream_errors_total counts them). */
  upstreamErrors: number;
  /** What an AI route's call decided (features/ai), or null. */
  ai: AiOutcome | null;
}

/** The numbers a series keeps, and what a query adds them into. */
export class Counts {
  requests = 0;
  errors = 0;
  rateLimited = 0;
  cacheHits = 0;
  bytesIn = 0;
  bytesOut = 0;
  upstreamErrors = 0;
  /** WebSocket upgrades relayed (tunnels opened), then, when they closed: count, bytes, duration (ms). */
  upgrades = 0;
  tunnelsClosed = 0;
  tunnelBytesIn = 0;
  tunnelBytesOut = 0;
  /** Made on the first tunnel closed into the series (most never see one). */
  tunnelDuration: Distribution | null = null;
  /** AI route calls (with a model), the tokens the providers reported, calls answered after a fallback. */
  aiRequests = 0;
  inputTokens = 0;
  outputTokens = 0;
  aiFallbacks = 0;
  readonly latency: Distribution;

  /** `wide`: a query's accumulator (Float64 counts that add up to 24 h of buckets). */
  constructor(private readonly wide = false) {
    this.latency = new Distribution(wide);
  }

  addFrom(other: Counts): void {
    this.requests += other.requests;
    this.errors += other.errors;
    this.rateLimited += other.rateLimited;
    this.cacheHits += other.cacheHits;
    this.bytesIn += other.bytesIn;
    this.bytesOut += other.bytesOut;
    this.upstreamErrors += other.upstreamErrors;
    this.latency.add(other.latency);
    this.upgrades += other.upgrades;
    this.tunnelsClosed += other.tunnelsClosed;
    this.tunnelBytesIn += other.tunnelBytesIn;
    this.tunnelBytesOut += other.tunnelBytesOut;
    if (other.tunnelDuration !== null) (this.tunnelDuration ??= new Distribution(this.wide)).add(other.tunnelDuration);
    this.aiRequests += other.aiRequests;
    this.inputTokens += other.inputTokens;
    this.outputTokens += other.outputTokens;
    this.aiFallbacks += other.aiFallbacks;
  }
}

/** One series in one bucket. */
export class Cell extends Counts {
  constructor(
    readonly route: RouteSlot,
    readonly consumer: string,
    readonly method: number,
    readonly statusClass: number,
    /** Index into the store's models (NO_MODEL for requests that are not AI calls). */
    readonly model: number,
  ) {
    super();
  }
}

/** AI calls of a route that moved from one model to the next (one per hop of a fallback chain). */
export class FallbackHop {
  count = 0;
  constructor(
    readonly route: RouteSlot,
    readonly from: number,
    readonly to: number,
  ) {}
}

export class Bucket {
  /** consumer -> series code (route, model, method, status class) -> cell */
  readonly byConsumer = new Map<string, Map<number, Cell>>();
  /** fallback code (route, from, to) -> hop */
  readonly fallbacks = new Map<number, FallbackHop>();
  /** Series (Cells) held. */
  cells = 0;
  /** The other units held: tunnel duration distributions and fallback hops. */
  extras = 0;
  constructor(
    /** Unix milliseconds of the bucket's start (a multiple of its length). */
    readonly start: number,
  ) {}

  *allCells(): IterableIterator<Cell> {
    for (const cells of this.byConsumer.values()) yield* cells.values();
  }
}

/** Read once: `performance.timeOrigin` is a getter (~30 ns a read), and it never changes. */
export const TIME_ORIGIN = performance.timeOrigin;

export function monotonicNow(): number {
  return TIME_ORIGIN + performance.now();
}

function seriesCode(route: number, model: number, method: number, statusClass: number): number {
  return (route * MAX_MODELS + model) * 64 + method * 5 + statusClass;
}

function fallbackCode(route: number, from: number, to: number): number {
  return (route * MAX_MODELS + from) * MAX_MODELS + to;
}

export function statusClassOf(status: number): number {
  const c = Math.floor(status / 100) - 1;
  return c < 0 ? 0 : c > 4 ? 4 : c;
}

export class AnalyticsStore {
  /** Oldest first; the last one is being recorded into. */
  readonly recent: Bucket[] = [];
  /** Oldest first; minutes whose 10 s buckets closed. */
  readonly history: Bucket[] = [];
  /** By index; 0 is "no model", 1 other/other. */
  readonly models: ModelName[] = [
    { provider: '', model: '' },
    { provider: OTHER_CONSUMER, model: OTHER_CONSUMER },
  ];
  /** provider -> model -> index (nested: no string built per AI call). */
  private readonly modelIndex = new Map<string, Map<string, number>>();
  private readonly routes = new Map<string, RouteSlot>();
  private current: Bucket | null = null;
  private currentEnd = 0;
  private totalCells = 0;

  /**
   * The clock is the monotonic one anchored at the process start (what the gateway's request
   * timings use), so the log phase can give `record` the time without another clock read.
   */
  constructor(private readonly clock: () => number = monotonicNow) {}

  /** The slot for a route (the same one across reloads while its id and service stay). */
  routeSlot(id: string, service: string): RouteSlot {
    const key = `${id}\u0000${service}`;
    let slot = this.routes.get(key);
    if (slot === undefined) {
      slot = new RouteSlot(this.routes.size, id, service);
      this.routes.set(key, slot);
    }
    return slot;
  }

  routeSlots(): IterableIterator<RouteSlot> {
    return this.routes.values();
  }

  /** The index of a provider/model pair (other/other once MAX_MODELS are known). */
  model(provider: string, model: string): number {
    let byModel = this.modelIndex.get(provider);
    let index = byModel?.get(model);
    if (index !== undefined) return index;
    if (this.models.length >= MAX_MODELS) return OTHER_MODEL;
    if (byModel === undefined) this.modelIndex.set(provider, (byModel = new Map()));
    index = this.models.length;
    this.models.push({ provider, model });
    byModel.set(model, index);
    return index;
  }

  /** `now`: when the answer completed (unix ms), if the caller knows it without reading the clock. */
  record(route: RouteSlot, o: Observation, now = this.clock()): void {
    if (now >= this.currentEnd) this.rotate(now);
    const bucket = this.current!;
    const statusClass = statusClassOf(o.status);
    const ai = o.ai;
    const model = ai === null ? NO_MODEL : this.model(ai.provider, ai.model);
    let cell: Cell;
    if (route.lastBucket === bucket && route.lastClass === statusClass && route.lastConsumer === o.consumer && route.lastMethod === o.method && route.lastModel === model) cell = route.lastCell!;
    else {
      cell = this.find(bucket, route, o.consumer, METHOD_INDEX.get(o.method) ?? OTHER_METHOD, statusClass, model);
      route.lastBucket = bucket;
      route.lastClass = statusClass;
      route.lastConsumer = o.consumer;
      route.lastMethod = o.method;
      route.lastModel = model;
      route.lastCell = cell;
    }
    cell.requests++;
    if (statusClass === 4) cell.errors++;
    if (o.rateLimited) cell.rateLimited++;
    if (o.cacheHit) cell.cacheHits++;
    cell.bytesIn += o.bytesIn;
    cell.bytesOut += o.bytesOut;
    cell.upstreamErrors += o.upstreamErrors;
    recordLatency(cell.latency, o.latencyUs);
    if (ai !== null) this.recordAi(bucket, route, cell, ai, model);
  }

  /** An AI call's tokens, and each hop of its fallback chain (ai.fallbacks, then the model that answered). */
  private recordAi(bucket: Bucket, route: RouteSlot, cell: Cell, ai: AiOutcome, model: number): void {
    cell.aiRequests++;
    cell.inputTokens += ai.inputTokens;
    cell.outputTokens += ai.outputTokens;
    const chain = ai.fallbacks;
    if (chain.length === 0) return;
    cell.aiFallbacks++;
    for (let i = 0; i < chain.length; i++) {
      const from = this.modelOfRef(chain[i]);
      const to = i + 1 < chain.length ? this.modelOfRef(chain[i + 1]) : model;
      this.hop(bucket, route, from, to).count++;
    }
  }

  /** A `<provider>/<model>` reference (as AiOutcome.fallbacks has them). */
  private modelOfRef(ref: string): number {
    const slash = ref.indexOf('/');
    return slash === -1 ? this.model(ref, '') : this.model(ref.slice(0, slash), ref.slice(slash + 1));
  }

  private hop(bucket: Bucket, route: RouteSlot, from: number, to: number): FallbackHop {
    let code = fallbackCode(route.index, from, to);
    let hop = bucket.fallbacks.get(code);
    if (hop !== undefined) return hop;
    if (bucket.fallbacks.size >= MAX_FALLBACKS_PER_BUCKET) {
      // One overflow hop per route keeps the route's count right.
      from = to = OTHER_MODEL;
      code = fallbackCode(route.index, from, to);
      hop = bucket.fallbacks.get(code);
      if (hop !== undefined) return hop;
    }
    this.makeRoom(bucket);
    hop = new FallbackHop(route, from, to);
    bucket.fallbacks.set(code, hop);
    bucket.extras++;
    this.totalCells++;
    return hop;
  }

  /** A WebSocket tunnel opened on the route (after the upstream's 101). */
  tunnelOpened(route: RouteSlot, consumer: string, now = this.clock()): void {
    route.openTunnels.set(consumer, (route.openTunnels.get(consumer) ?? 0) + 1);
    this.tunnelCell(route, consumer, now).upgrades++;
  }

  /** A tunnel closed: its bytes and duration join the series of the bucket it closed in. */
  tunnelClosed(route: RouteSlot, consumer: string, totals: TunnelTotals, now = this.clock()): void {
    const open = route.openTunnels.get(consumer) ?? 0;
    if (open <= 1) route.openTunnels.delete(consumer);
    else route.openTunnels.set(consumer, open - 1);
    const cell = this.tunnelCell(route, consumer, now);
    cell.tunnelsClosed++;
    cell.tunnelBytesIn += totals.bytesFromClient;
    cell.tunnelBytesOut += totals.bytesFromUpstream;
    this.tunnelDistribution(this.current!, cell).record(totals.seconds * 1000, MAX_TUNNEL_MS);
  }

  private tunnelCell(route: RouteSlot, consumer: string, now: number): Cell {
    if (now >= this.currentEnd) this.rotate(now);
    return this.find(this.current!, route, consumer, TUNNEL_METHOD, TUNNEL_CLASS, NO_MODEL);
  }

  /** A series' tunnel duration distribution, made on first use (one more unit of the memory bound). */
  private tunnelDistribution(bucket: Bucket, cell: Cell): Distribution {
    if (cell.tunnelDuration !== null) return cell.tunnelDuration;
    this.makeRoom(bucket);
    bucket.extras++;
    this.totalCells++;
    return (cell.tunnelDuration = new Distribution());
  }

  /** The series for this request in `bucket` (created, or folded into "other" by the caps). */
  private find(bucket: Bucket, route: RouteSlot, consumer: string, method: number, statusClass: number, model: number): Cell {
    let cells = bucket.byConsumer.get(consumer);
    if (cells === undefined) {
      if (bucket.byConsumer.size >= MAX_CONSUMERS_PER_BUCKET) consumer = OTHER_CONSUMER;
      cells = bucket.byConsumer.get(consumer);
      if (cells === undefined) bucket.byConsumer.set(consumer, (cells = new Map()));
    }
    return cells.get(seriesCode(route.index, model, method, statusClass)) ?? this.newCell(bucket, cells, route, consumer, method, statusClass, model);
  }

  /** Units held (series, tunnel distributions, fallback hops); the figure the memory bound is stated in. */
  get cellCount(): number {
    return this.totalCells;
  }

  /** The bucket being recorded into (null before the first request); closes it first when its time is up. */
  open(now = this.clock()): Bucket | null {
    if (this.current !== null && now >= this.currentEnd) this.rotate(now);
    return this.current;
  }

  clear(): void {
    this.recent.length = 0;
    this.history.length = 0;
    this.current = null;
    this.currentEnd = 0;
    this.totalCells = 0;
    for (const route of this.routes.values()) route.openTunnels.clear();
  }

  private newCell(bucket: Bucket, cells: Map<number, Cell>, route: RouteSlot, consumer: string, method: number, statusClass: number, model: number): Cell {
    if (bucket.cells >= MAX_CELLS_PER_BUCKET) {
      // Fold into the route's overflow series (a few per route, so the route's counts stay right).
      consumer = OTHER_CONSUMER;
      if (method !== ANY_METHOD) method = OTHER_METHOD;
      let others = bucket.byConsumer.get(consumer);
      if (others === undefined) bucket.byConsumer.set(consumer, (others = new Map()));
      cells = others;
      const existing = cells.get(seriesCode(route.index, model, method, statusClass));
      if (existing !== undefined) return existing;
    }
    this.makeRoom(bucket);
    const cell = new Cell(route, consumer, method, statusClass, model);
    cells.set(seriesCode(route.index, model, method, statusClass), cell);
    bucket.cells++;
    this.totalCells++;
    return cell;
  }

  /** Keep the store under MAX_CELLS: drop the oldest minutes, then the oldest 10 s buckets (never `keep`). */
  private makeRoom(keep: Bucket): void {
    while (this.totalCells >= MAX_CELLS) {
      let victim: Bucket | undefined;
      if (this.history.length > 0 && this.history[0] !== keep) victim = this.history.shift();
      else if (this.recent.length > 0 && this.recent[0] !== keep && this.recent[0] !== this.current) victim = this.recent.shift();
      if (victim === undefined) return;
      this.totalCells -= victim.cells + victim.extras;
    }
  }

  private rotate(now: number): void {
    const closed = this.current;
    if (closed !== null) this.rollUp(closed);
    const length = RECENT_BUCKET_SECONDS * 1000;
    const start = now - (now % length);
    this.current = new Bucket(start);
    this.currentEnd = start + length;
    this.recent.push(this.current);
    this.prune(this.recent, start - (RECENT_BUCKETS - 1) * length);
    const historyLength = HISTORY_BUCKET_SECONDS * 1000;
    this.prune(this.history, start - (start % historyLength) - (HISTORY_BUCKETS - 1) * historyLength);
  }

  private prune(buckets: Bucket[], oldestStart: number): void {
    let n = 0;
    while (n < buckets.length && buckets[n].start < oldestStart) {
      this.totalCells -= buckets[n].cells + buckets[n].extras;
      n++;
    }
    if (n > 0) buckets.splice(0, n);
  }

  /** A closed 10 s bucket joins its minute in the history tier. */
  private rollUp(closed: Bucket): void {
    const length = HISTORY_BUCKET_SECONDS * 1000;
    const start = closed.start - (closed.start % length);
    let minute = this.history[this.history.length - 1];
    if (minute === undefined || minute.start !== start) this.history.push((minute = new Bucket(start)));
    for (const cell of closed.allCells()) {
      let cells = minute.byConsumer.get(cell.consumer);
      if (cells === undefined) minute.byConsumer.set(cell.consumer, (cells = new Map()));
      const target = cells.get(seriesCode(cell.route.index, cell.model, ANY_METHOD, cell.statusClass)) ?? this.newCell(minute, cells, cell.route, cell.consumer, ANY_METHOD, cell.statusClass, cell.model);
      if (cell.tunnelDuration !== null) this.tunnelDistribution(minute, target);
      target.addFrom(cell);
    }
    for (const hop of closed.fallbacks.values()) this.hop(minute, hop.route, hop.from, hop.to).count += hop.count;
  }
}
