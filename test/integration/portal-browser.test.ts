// The developer portal in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core) against a real stack: two template services (alpha on fastify with 2
// replicas, beta on express behind an API key). Without the token the portal answers 401; the
// login link sets the cookie; the Overview shows both services healthy (live); the APIs page
// opens alpha's reference and "try it" on a GET answers 200; the Analytics page charts traffic
// (or, on a gateway without /_portico/analytics, says it is not available); no console errors.
// Screenshots at 1280x800 and 390x844 go to test-artifacts/portal/ (gitignored).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, getThroughGateway, makeWorkspace, portico, randomProject, root } from './helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(root, 'test-artifacts', 'portal');
const API_KEY = 'portal-test-key-0123456789';

describe('developer portal in a browser (real engine, real Chromium)', () => {
  const project = randomProject();
  let dir: string;
  let gatewayUrl: string;
  let login: string;
  let token: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let analyticsAvailable: boolean;
  const problems: string[] = [];

  /** Every console error and page error fails the test (one exception: see `expectedMissing`). */
  const watch = (p: Page) => {
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    p.on('console', (m: ConsoleMessage) => {
      if (m.type() !== 'error') return;
      // A gateway without analytics answers its endpoint 404, which Chromium logs; that is the state the page shows.
      const expectedMissing = !analyticsAvailable && m.location().url.includes('/_portico/analytics') && m.text().includes('404');
      if (!expectedMissing) problems.push(`console: ${m.text()} (${m.location().url})`);
    });
  };
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await makeWorkspace(project);
    const file = path.join(dir, 'portico.yaml');
    const manifest = (await readFile(file, 'utf8'))
      .replace(/^gateway:\n/m, `gateway:\n  auth:\n    apiKeys: [{ name: ci, env: PORTAL_KEY }]\n`)
      .replace(/(      - path: \/api\/beta)\n/, `$1\n        auth: required\n`);
    await writeFile(file, manifest);
    await writeFile(path.join(dir, '.env'), `PORTAL_KEY=${API_KEY}\n`);
    const up = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(up.exitCode, up.all).toBe(0);
    gatewayUrl = JSON.parse(up.stdout).gateway.url;
    await getThroughGateway(`${gatewayUrl}/api/alpha/healthz`);
    const dash = await portico(dir, ['dashboard', '--json', '--no-open']);
    expect(dash.exitCode, dash.all).toBe(0);
    const links = JSON.parse(dash.stdout);
    login = links.login;
    token = (await readFile(path.join(dir, '.portico', 'state', 'admin-token'), 'utf8')).trim();
    expect(links).toEqual({ project, url: `${gatewayUrl}/_portico/ui/`, login: `${gatewayUrl}/_portico/login#token=${token}`, opened: false });
    analyticsAvailable = (await fetch(`${gatewayUrl}/_portico/analytics?window=15m&by=route`, { headers: { authorization: `Bearer ${token}` } })).status !== 404;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    watch(page);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await cleanup(dir);
  }, 120_000);

  it('without the token the portal answers 401 and shows no data', async () => {
    const anonymous = await browser.newContext();
    const p = await anonymous.newPage();
    const res = await p.goto(`${gatewayUrl}/_portico/ui/`);
    expect(res?.status()).toBe(401);
    const text = await p.textContent('body');
    expect(text).toContain('unauthorized');
    expect(text).not.toMatch(/alpha|beta/);
    // A wrong token in the link: the login page says so and sets no cookie.
    await p.goto(`${gatewayUrl}/_portico/login#token=not-the-token-0000000`);
    await expect.poll(() => p.textContent('#login-status')).toContain('401');
    expect(await anonymous.cookies()).toEqual([]);
    await anonymous.close();
  });

  it('the login link sets an HttpOnly SameSite=Strict cookie and the Overview shows both services healthy, live', async () => {
    await page.goto(login);
    await page.waitForURL(`${gatewayUrl}/_portico/ui/`);
    expect(page.url()).not.toContain('token'); // the fragment is gone from the address bar
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'portico_admin', value: token, httpOnly: true, sameSite: 'Strict', path: '/_portico' });
    await page.locator('[data-service="alpha"][data-health="passing"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-service="beta"][data-health="passing"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-service="alpha"]').textContent()).toContain('2/2');
    const overview = await page.textContent('main');
    expect(overview).toContain('Gateway uptime');
    expect(overview).toMatch(/Config\s*v1 · [0-9a-f]{12}/);
    expect(await page.locator('td', { hasText: 'closed' }).count()).toBeGreaterThanOrEqual(2);
    const firstUpdate = await page.textContent('.live');
    await expect.poll(() => page.textContent('.live'), { timeout: 6000 }).not.toBe(firstUpdate);
    await shot('overview-1280');
  });

  it('the keyboard reaches the navigation, and Routes lists auth, rate limit, cache and timeouts', async () => {
    await page.keyboard.press('Tab'); // the skip link
    await page.keyboard.press('Tab');
    expect(await page.evaluate("document.activeElement?.textContent")).toBe('Overview');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // Routes
    await page.waitForURL(/#\/routes$/);
    await page.locator('table caption', { hasText: 'Routes' }).waitFor();
    const rows = await page.locator('tbody tr').allTextContents();
    expect(rows.find((r) => r.includes('beta#0'))).toContain('required');
    expect(rows.find((r) => r.includes('alpha#0'))).toMatch(/none.*s \/ .* s \/ .* s/);
    await shot('routes-1280');
  });

  it('APIs: opens alpha\'s reference and "try it" on a GET goes through the gateway and answers 200', async () => {
    await page.click('nav a[data-page="apis"]');
    await page.locator('a', { hasText: /Reference \(\d+ operations\)/ }).first().waitFor({ timeout: 60_000 });
    await page.goto(`${gatewayUrl}/_portico/ui/#/apis/alpha`);
    // A GET without path parameters, pinned by its path (expanded, the block shows JSON examples).
    const candidate = page.locator('.opblock.opblock-get').filter({ hasNotText: '{' }).first();
    await candidate.waitFor({ timeout: 30_000 });
    const pathText = (await candidate.locator('.opblock-summary-path').textContent())!.trim();
    expect(pathText).toMatch(/^\/api\/alpha/);
    const get = page.locator('.opblock.opblock-get', { has: page.locator(`.opblock-summary-path[data-path="${pathText}"]`) });
    expect(await get.count()).toBe(1);
    await get.locator('.opblock-summary').first().click();
    // Swagger UI shows "Try it out" first (tryItOutEnabled only preselects it in some versions).
    const tryOut = get.locator('button.try-out__btn');
    if ((await tryOut.count()) > 0 && (await tryOut.textContent())?.includes('Try it out')) await tryOut.click();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await get.locator('button.execute').click();
    const status = get.locator('.live-responses-table tbody td.response-col_status').first();
    await status.waitFor({ timeout: 20_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    // Same origin, the public route (not an admin proxy).
    expect(requests.some((u) => u.startsWith(`${gatewayUrl}/api/alpha`))).toBe(true);
    await shot('api-reference-1280');
  });

  it('Analytics: the chart moves after traffic (or the page says analytics is not available)', async () => {
    await page.goto(`${gatewayUrl}/_portico/ui/#/analytics`);
    const state = page.locator('#analytics-state');
    if (!analyticsAvailable) {
      await expect.poll(() => state.getAttribute('data-state')).toBe('unavailable');
      expect(await state.textContent()).toContain('Analytics not available');
      await shot('analytics-1280');
      return;
    }
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 10_000 }).toBe('ok');
    const before = Number(await page.locator('#charts').getAttribute('data-points'));
    for (let i = 0; i < 30; i++) {
      await fetch(`${gatewayUrl}/api/alpha/healthz`);
      await fetch(`${gatewayUrl}/api/beta/healthz`, { headers: { 'x-api-key': API_KEY } });
    }
    await expect.poll(async () => Number(await page.locator('#charts').getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 60);
    expect(await page.locator('#charts canvas').count()).toBe(3);
    await shot('analytics-1280');
  });

  it('is readable at phone width (390x844) without horizontal page scroll', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [['#/overview', 'overview-390'], ['#/apis/alpha', 'api-reference-390']] as const) {
      await page.goto(`${gatewayUrl}/_portico/ui/${hash}`);
      await page.locator(hash === '#/overview' ? '[data-service="alpha"]' : '.opblock').first().waitFor({ timeout: 30_000 });
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      await shot(name);
    }
  });

  it('logged no console errors and no page errors', () => {
    expect(problems).toEqual([]);
  });
});
