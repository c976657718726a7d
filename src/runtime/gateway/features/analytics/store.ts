// The analytics store: counters and latency histograms per series key (route × consumer ×
// method × status class) in time buckets, in memory (docs/analytics.md).
//   recent tier   10 s buckets for the last hour (360); requests are recorded here
//   history tier  1 min buckets for the last 24 h (1,440); each 10 s bucket is rolled into its
//                 minute when it closes (so the hot path records once), without the method
//                 dimension (no query groups by method; it keeps minutes small)
// Bounded whatever the traffic:
//   - a bucket keeps at most MAX_CONSUMERS_PER_BUCKET consumers; later ones count as "other";
//   - a bucket keeps at most MAX_CELLS_PER_BUCKET series; later ones fold into their route's
//     overflow series (consumer "other", method OTHER), at most 5 more per route;
//   - the whole store keeps at most MAX_CELLS series (each ≤ HISTOGRAM_MAX_BYTES of histogram
//     plus its counters); past it the oldest buckets are dropped (history first) to make room.
// Per request: no clock read (the exchange's timing gives the time), a few increments and one
// histogram record; three Map lookups (method, consumer, series code) only when the request's
// series differs from the route's previous request. No
// strings built and nothing allocated once the series exists in the current bucket.
import { newHistogram, recordLatency, type LatencyHistogram } from './histogram.js';

export const RECENT_BUCKET_SECONDS = 10;
export const RECENT_BUCKETS = 360;
export const HISTORY_BUCKET_SECONDS = 60;
export const HISTORY_BUCKETS = 1_440;
export const MAX_CONSUMERS_PER_BUCKET = 1_000;
export const MAX_CELLS_PER_BUCKET = 2_000;
export const MAX_CELLS = 32_768;
export const OTHER_CONSUMER = 'other';
export const ANONYMOUS = 'anonymous';

/** 'ANY' is the history tier's: minutes keep no per-method series (no query groups by method). */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER', 'ANY'] as const;
const METHOD_INDEX = new Map<string, number>(METHODS.slice(0, 8).map((m, i) => [m, i]));
const OTHER_METHOD = 7;
const ANY_METHOD = 8;
/** Index 0..4 = 1xx..5xx. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * A route as analytics knows it, numbered once (config load) so series keys are numbers. It
 * remembers the series its last request went to: steady traffic (the same consumer, method
 * and status class in the same bucket) skips the Map lookups.
 */
export class RouteSlot {
  lastBucket: Bucket | null = null;
  lastConsumer = '';
  lastMethod = '';
  lastClass = -1;
  lastCell: Cell | null = null;
  constructor(
    readonly index: number,
    readonly id: string,
    readonly service: string,
  ) {}
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
  readonly latency: LatencyHistogram = newHistogram();

  addFrom(other: Counts): void {
    this.requests += other.requests;
    this.errors += other.errors;
    this.rateLimited += other.rateLimited;
    this.cacheHits += other.cacheHits;
    this.bytesIn += other.bytesIn;
    this.bytesOut += other.bytesOut;
    this.upstreamErrors += other.upstreamErrors;
    this.latency.add(other.latency);
  }
}

/** One series in one bucket. */
export class Cell extends Counts {
  constructor(
    readonly route: RouteSlot,
    readonly consumer: string,
    readonly method: number,
    readonly statusClass: number,
  ) {
    super();
  }
}

export class Bucket {
  /** consumer -> series code (route, method, status class) -> cell */
  readonly byConsumer = new Map<string, Map<number, Cell>>();
  cells = 0;
  constructor(
    /** Unix milliseconds of the bucket's start (a multiple of its length). */
    readonly start: number,
  ) {}

  *allCells(): IterableIterator<Cell> {
    for (const cells of this.byConsumer.values()) yield* cells.values();
  }
}

export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

function seriesCode(route: number, method: number, statusClass: number): number {
  return route * 64 + method * 5 + statusClass;
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

  /** `now`: when the answer completed (unix ms), if the caller knows it without reading the clock. */
  record(route: RouteSlot, o: Observation, now = this.clock()): void {
    if (now >= this.currentEnd) this.rotate(now);
    const bucket = this.current!;
    const statusClass = statusClassOf(o.status);
    let cell: Cell;
    if (route.lastBucket === bucket && route.lastClass === statusClass && route.lastConsumer === o.consumer && route.lastMethod === o.method) cell = route.lastCell!;
    else {
      cell = this.find(bucket, route, o.consumer, o.method, statusClass);
      route.lastBucket = bucket;
      route.lastClass = statusClass;
      route.lastConsumer = o.consumer;
      route.lastMethod = o.method;
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
  }

  /** The series for this request in `bucket` (created, or folded into "other" by the caps). */
  private find(bucket: Bucket, route: RouteSlot, consumer: string, methodName: string, statusClass: number): Cell {
    let cells = bucket.byConsumer.get(consumer);
    if (cells === undefined) {
      if (bucket.byConsumer.size >= MAX_CONSUMERS_PER_BUCKET) consumer = OTHER_CONSUMER;
      cells = bucket.byConsumer.get(consumer);
      if (cells === undefined) bucket.byConsumer.set(consumer, (cells = new Map()));
    }
    const method = METHOD_INDEX.get(methodName) ?? OTHER_METHOD;
    return cells.get(seriesCode(route.index, method, statusClass)) ?? this.newCell(bucket, cells, route, consumer, method, statusClass);
  }

  /** Series held (each one histogram); the figure the memory bound is stated in. */
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
  }

  private newCell(bucket: Bucket, cells: Map<number, Cell>, route: RouteSlot, consumer: string, method: number, statusClass: number): Cell {
    if (bucket.cells >= MAX_CELLS_PER_BUCKET) {
      // Fold into the route's overflow series (a few per route, so the route's counts stay right).
      consumer = OTHER_CONSUMER;
      if (method !== ANY_METHOD) method = OTHER_METHOD;
      let others = bucket.byConsumer.get(consumer);
      if (others === undefined) bucket.byConsumer.set(consumer, (others = new Map()));
      cells = others;
      const existing = cells.get(seriesCode(route.index, method, statusClass));
      if (existing !== undefined) return existing;
    }
    this.makeRoom(bucket);
    const cell = new Cell(route, consumer, method, statusClass);
    cells.set(seriesCode(route.index, method, statusClass), cell);
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
      this.totalCells -= victim.cells;
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
    while (n < buckets.length && buckets[n].start < oldestStart) this.totalCells -= buckets[n++].cells;
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
      const target = cells.get(seriesCode(cell.route.index, ANY_METHOD, cell.statusClass)) ?? this.newCell(minute, cells, cell.route, cell.consumer, ANY_METHOD, cell.statusClass);
      target.addFrom(cell);
    }
  }
}
