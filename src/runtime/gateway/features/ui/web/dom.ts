// Tiny DOM helpers: build elements from data with textContent only (never innerHTML), so
// nothing a service or a consumer name contains can inject markup into the page.
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export function table(caption: string, head: string[], rows: Child[][]): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

/** A coloured state label whose text says the state (colour is never the only signal). */
export function badge(state: string, tone: 'ok' | 'warn' | 'bad' | 'muted'): HTMLSpanElement {
  return h('span', { class: `badge ${tone}` }, state);
}

/** A description list of label/value pairs, each pair in its own box (a div inside the dl). */
export function facts(dl: HTMLDListElement, pairs: [string, Node | string][]): void {
  dl.replaceChildren(...pairs.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T | null }> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as T) : null;
  return { status: res.status, body };
}

export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const hh = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return d > 0 ? `${d}d ${hh}h` : hh > 0 ? `${hh}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}
