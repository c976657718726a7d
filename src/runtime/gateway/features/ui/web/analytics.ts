// Analytics: charts of /_portico/analytics (docs/analytics.md) for the selected window: req/s,
// p50/p95/p99 latency and error rate over time, the top consumers of the selected route, and,
// when the window has them, WebSocket tunnel and AI token figures and the AI usage per model.
// Refreshed every 5 s. A gateway without the analytics endpoint shows "not available".
import uPlot from 'uplot';
import { facts, getJson, h, table } from './dom.js';

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
interface Group {
  key: string;
  requests: number;
  errors: number;
  rateLimited: number;
  cacheHits: number;
  latencyMs: Latency;
}
/** Absent from gateways older than the tunnel and AI fields. */
interface Tunnels {
  upgrades: number;
  open: number;
  closed: number;
  bytesIn: number;
  bytesOut: number;
}
interface AiCounts {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  fallbacks: number;
}
interface Analytics {
  window: string;
  bucketSeconds: number;
  totals: Group & { bytesIn: number; bytesOut: number; tunnels?: Tunnels; ai?: AiCounts };
  groups: Group[];
  series: { t: number; requests: number; errors: number; p50: number; p95: number; p99: number }[];
  ai?: { usage: (AiCounts & { route: string; consumer: string; provider: string; model: string })[] };
}

/** Milliseconds for reading: one decimal below 10 ms, whole above. */
const ms = (v: number): string => (v < 10 ? v.toFixed(1) : String(Math.round(v)));

const WINDOWS = ['5m', '15m', '1h', '6h', '24h'];
const REFRESH_MS = 5000;

function select(id: string, label: string, options: [string, string][], value: string): [HTMLLabelElement, HTMLSelectElement] {
  const el = h('select', { id }, ...options.map(([v, text]) => h('option', { value: v }, text)));
  el.value = value;
  return [h('label', { for: id }, label), el];
}

function chart(title: string, series: uPlot.Series[], data: uPlot.AlignedData, width: number): { el: HTMLElement; plot: uPlot } {
  const el = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  const plot = new uPlot({ width, height: 220, series: [{}, ...series], axes: [{}, { size: 60 }], scales: { x: { time: true } } }, data, el);
  return { el, plot };
}

export function analyticsPage(main: HTMLElement, signal: AbortSignal): void {
  const [windowLabel, windowSelect] = select('window', 'Window', WINDOWS.map((w) => [w, w]), sessionStorage.getItem('portico.window') ?? '15m');
  const [routeLabel, routeSelect] = select('route', 'Route', [['', 'All routes']], '');
  const totals = h('dl', { class: 'facts', id: 'analytics-totals' });
  const charts = h('div', { class: 'charts', id: 'charts' });
  const consumers = h('div', { class: 'scroll' });
  const aiUsage = h('div', { class: 'scroll', id: 'analytics-ai' });
  const state = h('p', { role: 'status', id: 'analytics-state' }, 'Loading…');
  main.replaceChildren(h('h1', {}, 'Analytics'), h('div', { class: 'controls' }, windowLabel, windowSelect, routeLabel, routeSelect), state, totals, charts, h('h2', {}, 'Top consumers'), consumers, aiUsage);

  void getJson<{ routes: { id: string; path: string }[] }>('/_portico/ui/routes.json').then(({ body }) => {
    for (const r of body?.routes ?? []) routeSelect.append(h('option', { value: r.id }, `${r.id} ${r.path}`));
  });

  let plots: uPlot[] = [];
  const width = () => Math.max(280, Math.min(charts.clientWidth || main.clientWidth, 1200) - 8);

  const refresh = async () => {
    const query = new URLSearchParams({ window: windowSelect.value, by: 'consumer' });
    if (routeSelect.value) query.set('route', routeSelect.value);
    const { status, body } = await getJson<Analytics>(`/_portico/analytics?${query}`);
    if (signal.aborted) return;
    if (status === 404) {
      state.textContent = 'Analytics not available: this gateway has no /_portico/analytics endpoint.';
      state.dataset.state = 'unavailable';
      return;
    }
    if (status !== 200 || body === null) {
      state.textContent = `Analytics did not answer (${status}).`;
      state.dataset.state = 'error';
      return;
    }
    const t = body.totals;
    state.textContent = `Window ${body.window}, ${body.bucketSeconds} s buckets · updated ${new Date().toLocaleTimeString()}`;
    state.dataset.state = 'ok';
    totals.dataset.requests = String(t.requests);
    facts(totals, [
      ['Requests', String(t.requests)],
      ['Errors', `${t.errors} (${t.requests ? ((100 * t.errors) / t.requests).toFixed(1) : '0'} %)`],
      ['Rate limited', String(t.rateLimited)],
      ['Cache hits', String(t.cacheHits)],
      ['Latency p50 / p95 / p99', `${ms(t.latencyMs.p50)} / ${ms(t.latencyMs.p95)} / ${ms(t.latencyMs.p99)} ms`],
      ...(t.tunnels && (t.tunnels.upgrades > 0 || t.tunnels.open > 0) ? ([['WebSocket tunnels', `${t.tunnels.open} open, ${t.tunnels.upgrades} opened, ${t.tunnels.closed} closed`]] as [string, string][]) : []),
      ...(t.ai && t.ai.requests > 0 ? ([['AI calls / tokens in / out', `${t.ai.requests} / ${t.ai.inputTokens} / ${t.ai.outputTokens} (${t.ai.fallbacks} fell back)`]] as [string, string][]) : []),
    ]);
    const s = body.series;
    const x = s.map((p) => p.t);
    const data = {
      rate: [x, s.map((p) => p.requests / body.bucketSeconds)] as uPlot.AlignedData,
      latency: [x, s.map((p) => p.p50), s.map((p) => p.p95), s.map((p) => p.p99)] as uPlot.AlignedData,
      errors: [x, s.map((p) => (p.requests ? (100 * p.errors) / p.requests : 0))] as uPlot.AlignedData,
    };
    if (plots.length === 0) {
      const made = [
        chart('Requests per second', [{ label: 'req/s', stroke: '#1d4ed8', width: 2 }], data.rate, width()),
        chart('Latency (ms)', [{ label: 'p50', stroke: '#15803d' }, { label: 'p95', stroke: '#b45309' }, { label: 'p99', stroke: '#b91c1c' }], data.latency, width()),
        chart('Error rate (%)', [{ label: 'errors %', stroke: '#b91c1c', width: 2 }], data.errors, width()),
      ];
      charts.replaceChildren(...made.map((c) => c.el));
      plots = made.map((c) => c.plot);
    } else {
      plots[0].setData(data.rate);
      plots[1].setData(data.latency);
      plots[2].setData(data.errors);
    }
    charts.dataset.points = String(s.reduce((n, p) => n + p.requests, 0));
    const top = [...body.groups].sort((a, b) => b.requests - a.requests).slice(0, 10);
    consumers.replaceChildren(
      table(
        routeSelect.value ? `Top consumers of ${routeSelect.value}` : 'Top consumers, all routes',
        ['Consumer', 'Requests', 'Errors', 'Rate limited', 'p95 ms'],
        top.map((g) => [g.key, String(g.requests), String(g.errors), String(g.rateLimited), ms(g.latencyMs.p95)]),
      ),
    );
    const usage = body.ai?.usage ?? [];
    aiUsage.replaceChildren(
      ...(usage.length === 0
        ? []
        : [
            table(
              'AI usage by consumer and model',
              ['Route', 'Consumer', 'Model', 'Calls', 'Input tokens', 'Output tokens', 'Fell back'],
              usage.slice(0, 20).map((u) => [u.route, u.consumer, `${u.provider}/${u.model}`, String(u.requests), String(u.inputTokens), String(u.outputTokens), String(u.fallbacks)]),
            ),
          ]),
    );
  };

  const onResize = () => plots.forEach((p) => p.setSize({ width: width(), height: 220 }));
  window.addEventListener('resize', onResize);
  for (const control of [windowSelect, routeSelect]) {
    control.addEventListener('change', () => {
      sessionStorage.setItem('portico.window', windowSelect.value);
      void refresh();
    });
  }
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  signal.addEventListener('abort', () => {
    clearInterval(timer);
    window.removeEventListener('resize', onResize);
    plots.forEach((p) => p.destroy());
  });
}
