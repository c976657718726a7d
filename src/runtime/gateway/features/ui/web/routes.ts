// Routes: the gateway's route table as loaded (/_portico/ui/routes.json): what each route
// matches and what the gateway does on it (auth, rate limit, cache, timeouts, retries, breaker).
import { getJson, h, table } from './dom.js';

interface Route {
  id: string;
  service: string;
  path: string;
  host: string | null;
  methods: string[] | null;
  stripPrefix: boolean;
  auth: string;
  rateLimit: { requests: number; perMs: number; by: string; burst: number } | null;
  cache: { ttlMs: number } | null;
  cors: boolean;
  timeouts: { connectMs: number; headerMs: number; bodyMs: number };
  retries: number;
  circuitBreaker: { failureThreshold: number; resetAfterMs: number };
}

export async function routesPage(main: HTMLElement): Promise<void> {
  const { status, body } = await getJson<{ routes: Route[] }>('/_portico/ui/routes.json');
  if (status !== 200 || body === null) {
    main.replaceChildren(h('h1', {}, 'Routes'), h('p', { role: 'alert' }, `The route table did not load (${status}).`));
    return;
  }
  const s = (ms: number) => `${ms / 1000} s`;
  main.replaceChildren(
    h('h1', {}, 'Routes'),
    h(
      'div',
      { class: 'scroll' },
      table(
        'Routes, in match order',
        ['Route', 'Match', 'Service', 'Auth', 'Rate limit', 'Cache', 'Timeouts (connect / header / body)', 'Retries', 'Breaker'],
        body.routes.map((r) => [
          h('code', {}, r.id),
          h('span', {}, h('code', {}, `${r.host ?? '*'}${r.path}`), r.methods ? ` ${r.methods.join(', ')}` : ' any method', r.stripPrefix ? ' (prefix stripped)' : ''),
          r.service,
          r.auth,
          r.rateLimit ? `${r.rateLimit.requests} per ${s(r.rateLimit.perMs)} by ${r.rateLimit.by} (burst ${r.rateLimit.burst})` : 'none',
          r.cache ? `${s(r.cache.ttlMs)} TTL` : 'none',
          `${s(r.timeouts.connectMs)} / ${s(r.timeouts.headerMs)} / ${s(r.timeouts.bodyMs)}`,
          String(r.retries),
          `opens after ${r.circuitBreaker.failureThreshold} failures, ${s(r.circuitBreaker.resetAfterMs)}`,
        ]),
      ),
    ),
  );
}
