// The developer portal's page (docs/portal.md): a hash router over four pages. Served by the
// gateway under /_portico/ui/ behind the admin cookie; every request it makes is same-origin.
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { analyticsPage } from './analytics.js';
import { apisPage } from './apis.js';
import { overviewPage } from './overview.js';
import { routesPage } from './routes.js';

const main = document.getElementById('main')!;
let current: AbortController | null = null;

function route(): void {
  current?.abort();
  current = new AbortController();
  const [first, arg] = location.hash.replace(/^#\/?/, '').split('/');
  const page = first || 'overview';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page[0].toUpperCase()}${page.slice(1)} · Portico`;
  if (page === 'apis') void apisPage(main, arg === undefined ? null : decodeURIComponent(arg));
  else if (page === 'analytics') analyticsPage(main, current.signal);
  else if (page === 'routes') void routesPage(main);
  else overviewPage(main, current.signal);
}

document.getElementById('logout')!.addEventListener('click', () => {
  void fetch('/_portico/logout', { method: 'POST', credentials: 'same-origin' }).then(() => location.assign('/_portico/login'));
});
window.addEventListener('hashchange', route);
route();
