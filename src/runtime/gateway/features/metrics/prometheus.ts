// Just enough of the Prometheus text exposition format (0.0.4) for the gateway's own metrics,
// instead of prom-client, whose per-call label validation and hashing cost CPU on every request.
// Output matches what prom-client printed (line layout, label order, number formatting), so
// dashboards and scrapers see no difference.
//
// Series are found through one Map per label (a trie keyed by the raw label values): an update
// is a few Map lookups and an increment, with no key string built and nothing allocated once the
// series exists. Each series' label text is escaped once, when it is created, not per scrape.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type LabelValues<L extends string> = Readonly<Record<L, string>>;

export interface Metric {
  /** `# HELP`, `# TYPE` and one line per sample, without a trailing newline. */
  render(): string;
  /** Forgets every series. */
  clear(): void;
}

/** Metrics in order, separated by a blank line (as prom-client's registry printed them). */
export function renderAll(blocks: readonly string[]): string {
  return `${blocks.join('\n\n')}\n`;
}

/** One unlabelled sample, for values read at scrape time (process metrics). */
export function renderSample(name: string, help: string, type: 'counter' | 'gauge', value: number): string {
  return `${header(name, help, type)}\n${name} ${formatValue(value)}`;
}

export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** Label values escape backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : v;
}

/** Help text escapes backslash and newline only. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}`;
}

type Node = Map<string, unknown>;

/** A named metric with fixed label names and one child (series) per distinct label values. */
abstract class Family<L extends string, C> implements Metric {
  private root: Node = new Map();
  /** Children in creation order, with their escaped label text (`a="x",b="y"`). */
  protected series: { labels: string; child: C }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    private readonly type: string,
  ) {}

  protected abstract create(): C;
  protected abstract lines(labels: string, child: C): string | null;

  /** The child for these label values, created on first use. Keep it to skip even the lookup. */
  labels(values: LabelValues<L>): C {
    const names = this.labelNames;
    let node = this.root;
    for (let i = 0; i < names.length - 1; i++) {
      const v = values[names[i]];
      let next = node.get(v) as Node | undefined;
      if (next === undefined) node.set(v, (next = new Map()));
      node = next;
    }
    const last = names.length === 0 ? '' : values[names[names.length - 1]];
    let child = node.get(last) as C | undefined;
    if (child === undefined) {
      child = this.create();
      node.set(last, child);
      this.series.push({ labels: this.formatLabels(values), child });
    }
    return child;
  }

  render(): string {
    let out = header(this.name, this.help, this.type);
    for (const s of this.series) {
      const text = this.lines(s.labels, s.child);
      if (text !== null) out += `\n${text}`;
    }
    return out;
  }

  clear(): void {
    this.root = new Map();
    this.series = [];
  }

  // In labelNames order; a label missing at run time is left out, as prom-client did.
  private formatLabels(values: LabelValues<L>): string {
    const parts: string[] = [];
    for (const n of this.labelNames) if (values[n] !== undefined) parts.push(`${n}="${escapeLabelValue(values[n])}"`);
    return parts.join(',');
  }

  protected sample(name: string, labels: string, value: number): string {
    return labels === '' ? `${name} ${formatValue(value)}` : `${name}{${labels}} ${formatValue(value)}`;
  }
}

export class CounterChild {
  value = 0;
  inc(by = 1): void {
    if (!(by >= 0)) throw new TypeError(`counter can only go up, got ${by}`);
    this.value += by;
  }
}

export class Counter<L extends string> extends Family<L, CounterChild> {
  constructor(name: string, help: string, labelNames: readonly L[]) {
    super(name, help, labelNames, 'counter');
  }
  inc(values: LabelValues<L>, by = 1): void {
    this.labels(values).inc(by);
  }
  protected create(): CounterChild {
    return new CounterChild();
  }
  // A series appears once it has counted something (prom-client: on its first inc).
  protected lines(labels: string, c: CounterChild): string | null {
    return c.value === 0 ? null : this.sample(this.name, labels, c.value);
  }
}

export class GaugeChild {
  value = 0;
  written = false;
  set(v: number): void {
    this.value = v;
    this.written = true;
  }
  /** Up or down by `by` (open connections). */
  add(by: number): void {
    this.value += by;
    this.written = true;
  }
}

export class Gauge<L extends string> extends Family<L, GaugeChild> {
  constructor(name: string, help: string, labelNames: readonly L[]) {
    super(name, help, labelNames, 'gauge');
  }
  set(values: LabelValues<L>, v: number): void {
    this.labels(values).set(v);
  }
  protected create(): GaugeChild {
    return new GaugeChild();
  }
  protected lines(labels: string, g: GaugeChild): string | null {
    return g.written ? this.sample(this.name, labels, g.value) : null;
  }
}

export class HistogramChild {
  /** Per-bucket (not cumulative) counts; the last slot is for values above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    // A NaN or infinite measurement is dropped rather than thrown: this runs while a response
    // is being finished, and one bad value must not poison `_sum` forever.
    if (!Number.isFinite(v)) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class Histogram<L extends string> extends Family<L, HistogramChild> {
  private readonly bounds: Float64Array;
  /** `name_bucket{le="0.1"` per bound, built once. */
  private readonly bucketPrefixes: string[];

  constructor(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) {
    super(name, help, labelNames, 'histogram');
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    this.bucketPrefixes = [...this.bounds, Infinity].map((b) => `${name}_bucket{le="${formatValue(b)}"`);
  }

  observe(values: LabelValues<L>, v: number): void {
    this.labels(values).observe(v);
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.bounds);
  }

  // Buckets are cumulative and `le` comes before the other labels, as prom-client printed them.
  protected lines(labels: string, h: HistogramChild): string | null {
    if (h.count === 0) return null;
    const rest = labels === '' ? '}' : `,${labels}}`;
    const out: string[] = [];
    let acc = 0;
    for (let i = 0; i < this.bucketPrefixes.length; i++) {
      acc += h.counts[i];
      out.push(`${this.bucketPrefixes[i]}${rest} ${acc}`);
    }
    out.push(this.sample(`${this.name}_sum`, labels, h.sum), this.sample(`${this.name}_count`, labels, h.count));
    return out.join('\n');
  }
}
