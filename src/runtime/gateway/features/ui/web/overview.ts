// Overview: services, their instances and health, breaker states, the gateway's uptime and
// config version, live from /_portico/ui/events (the gateway's status every 2 s and on
// registry changes) with the catalog's health counts beside it.
import { badge, duration, facts, getJson, h, table } from './dom.js';

interface Status {
  at: string;
  project: string;
  routes: number;
  registry: { url: string; state: string; lastEventId: string | null } | null;
  upstreams: Record<string, { source: string; instances: string[]; breaker: 'closed' | 'open' | 'half-open' }>;
  uptimeSeconds: number;
  config: { version: number; hash: string; loadedAt: string };
}
interface CatalogEntry {
  service: string;
  description: string | null;
  owner: string | null;
  health: { status: string; passing: number; total: number };
}

const HEALTH_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'muted'> = { passing: 'ok', degraded: 'warn', critical: 'bad', none: 'bad', unknown: 'muted' };
const BREAKER_TONE: Record<string, 'ok' | 'warn' | 'bad'> = { closed: 'ok', 'half-open': 'warn', open: 'bad' };

export function overviewPage(main: HTMLElement, signal: AbortSignal): void {
  const summary = h('dl', { class: 'facts' });
  const services = h('div', { class: 'scroll' });
  const live = h('p', { class: 'live', role: 'status' }, 'Connecting to the live feed…');
  main.replaceChildren(h('h1', {}, 'Overview'), live, summary, h('h2', {}, 'Services'), services);

  let catalog: Record<string, CatalogEntry> = {};
  const refreshCatalog = async () => {
    const { status, body } = await getJson<{ services: CatalogEntry[] }>('/_portico/catalog');
    if (status === 200 && body) catalog = Object.fromEntries(body.services.map((s) => [s.service, s]));
  };

  const render = (s: Status) => {
    document.getElementById('project')!.textContent = s.project;
    facts(summary, [
      ['Gateway uptime', duration(s.uptimeSeconds)],
      ['Config', `v${s.config.version} · ${s.config.hash} · loaded ${new Date(s.config.loadedAt).toLocaleTimeString()}`],
      ['Routes', String(s.routes)],
      ['Registry', s.registry === null ? 'none (static instances)' : badge(s.registry.state, s.registry.state === 'connected' ? 'ok' : 'warn')],
    ]);
    const names = [...new Set([...Object.keys(s.upstreams), ...Object.keys(catalog)])].sort();
    services.replaceChildren(
      table(
        'Services, their instances and circuit breakers',
        ['Service', 'Health', 'Instances', 'Breaker', 'Owner'],
        names.map((name) => {
          const u = s.upstreams[name];
          const c = catalog[name];
          const health = c?.health.status ?? (u && u.instances.length > 0 ? 'passing' : 'unknown');
          const row = [
            h('a', { href: `#/apis/${encodeURIComponent(name)}` }, name),
            h('span', { 'data-health': health, 'data-service': name }, badge(c ? `${health} ${c.health.passing}/${c.health.total}` : health, HEALTH_TONE[health] ?? 'muted')),
            u && u.instances.length > 0 ? h('ul', { class: 'plain' }, ...u.instances.map((i) => h('li', {}, h('code', {}, i)))) : 'none',
            u ? badge(u.breaker, BREAKER_TONE[u.breaker] ?? 'muted') : '—',
            c?.owner ?? '—',
          ];
          return row;
        }),
      ),
    );
    live.textContent = `Live · updated ${new Date(s.at).toLocaleTimeString()}`;
  };

  const source = new EventSource('/_portico/ui/events');
  let lastCatalog = 0;
  source.addEventListener('status', (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as Status;
    // The catalog's health counts follow the registry too; re-read it at most every 4 s.
    const stale = Date.now() - lastCatalog > 4000;
    if (stale) lastCatalog = Date.now();
    void (stale ? refreshCatalog() : Promise.resolve()).then(() => signal.aborted || render(s));
  });
  source.addEventListener('error', () => {
    live.textContent = 'Live feed interrupted; reconnecting…';
  });
  signal.addEventListener('abort', () => source.close());
}
