// APIs: the catalog (docs/catalog.md) and, per service, its public reference rendered by
// Swagger UI (the npm package's prebuilt bundle, served by the gateway). "Try it" sends the
// request from this browser to the gateway's public route (same origin: the catalog's servers
// point at the gateway). An API key typed into Authorize stays in this page's memory:
// persistAuthorization is off, so it is neither stored in the browser nor sent to the gateway
// other than on the requests the user tries.
import { badge, getJson, h, table } from './dom.js';

interface CatalogEntry {
  service: string;
  description: string | null;
  owner: string | null;
  version: string | null;
  tags: string[];
  health: { status: string; passing: number; total: number };
  openapi: { state: string; error: string | null; operations: number };
  routes: { id: string; path: string; auth: string }[];
}

declare global {
  interface Window {
    SwaggerUIBundle?: (options: Record<string, unknown>) => unknown;
  }
}

let swaggerLoading: Promise<void> | null = null;
/** Swagger UI (1.5 MB) loads only when a reference is first opened. */
function loadSwaggerUi(): Promise<void> {
  swaggerLoading ??= new Promise<void>((resolve, reject) => {
    document.head.append(h('link', { rel: 'stylesheet', href: 'swagger-ui.css' }));
    const script = h('script', { src: 'swagger-ui-bundle.js' });
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => reject(new Error('swagger-ui-bundle.js did not load')));
    document.head.append(script);
  });
  return swaggerLoading;
}

export async function apisPage(main: HTMLElement, service: string | null): Promise<void> {
  if (service !== null) return referencePage(main, service);
  main.replaceChildren(h('h1', {}, 'APIs'), h('p', {}, 'Loading the catalog…'));
  const { status, body } = await getJson<{ services: CatalogEntry[] }>('/_portico/catalog');
  if (status !== 200 || body === null) {
    main.replaceChildren(h('h1', {}, 'APIs'), h('p', { role: 'alert' }, `The catalog did not answer (${status}).`));
    return;
  }
  const doc = (s: CatalogEntry) =>
    s.openapi.state === 'ok' ? h('a', { href: `#/apis/${encodeURIComponent(s.service)}` }, `Reference (${s.openapi.operations} operations)`) : h('span', {}, `${s.openapi.state}${s.openapi.error ? `: ${s.openapi.error}` : ''}`);
  main.replaceChildren(
    h('h1', {}, 'APIs'),
    h('p', {}, 'Every service behind the gateway, with its public OpenAPI document. The merged document: ', h('a', { href: '/_portico/openapi.json' }, '/_portico/openapi.json'), '.'),
    h(
      'div',
      { class: 'scroll' },
      table(
        'The API catalog',
        ['Service', 'Description', 'Version', 'Routes', 'Health', 'Document'],
        body.services.map((s) => [
          h('strong', {}, s.service),
          s.description ?? '—',
          s.version ?? '—',
          h('ul', { class: 'plain' }, ...s.routes.map((r) => h('li', {}, h('code', {}, r.path), r.auth === 'none' ? '' : ` (auth ${r.auth})`))),
          badge(s.health.status, s.health.status === 'passing' ? 'ok' : s.health.status === 'degraded' ? 'warn' : 'bad'),
          doc(s),
        ]),
      ),
    ),
  );
}

async function referencePage(main: HTMLElement, service: string): Promise<void> {
  const mount = h('div', { id: 'swagger', class: 'swagger' });
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/apis' }, '← All APIs')),
    h('h1', {}, `${service} API`),
    h('p', { class: 'hint' }, 'Try it sends requests from this browser through the gateway. An API key entered under Authorize stays in this page and is forgotten when you leave it.'),
    mount,
  );
  try {
    await loadSwaggerUi();
  } catch (error) {
    mount.replaceChildren(h('p', { role: 'alert' }, String(error)));
    return;
  }
  window.SwaggerUIBundle!({
    domNode: mount,
    url: `/_portico/catalog/${encodeURIComponent(service)}/openapi.json`,
    deepLinking: false,
    persistAuthorization: false,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    // No "validator badge": it would call validator.swagger.io (the page talks to the gateway only).
    validatorUrl: null,
  });
}
