// API analytics on the real engine: a stack with two template services (alpha on fastify,
// beta on express behind API keys). Traffic through the gateway from two keys and anonymous
// callers shows up in GET /_portico/analytics and `portico analytics --json` with the right
// counts per consumer; the endpoint answers 401 and no data without the admin token;
// `portico top --once` prints the routes; before `up`, the commands exit 3.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsDocument } from '../../src/runtime/contract/analytics-api.js';
import { cleanup, makeWorkspace, portico, randomProject } from './helpers/stack.js';

const KEY_A = 'analytics-key-a-0123456789';
const KEY_B = 'analytics-key-b-0123456789';

describe('API analytics (real engine)', () => {
  const project = randomProject();
  let dir: string;
  let gatewayUrl: string;
  let token: string;

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    const file = path.join(dir, 'portico.yaml');
    const manifest = (await readFile(file, 'utf8'))
      .replace(/^gateway:\n/m, `gateway:\n  auth:\n    apiKeys: [{ name: team-a, env: KEY_A }, { name: team-b, env: KEY_B }]\n`)
      .replace(/(      - path: \/api\/beta)\n/, `$1\n        auth: required\n`);
    await writeFile(file, manifest);
    await writeFile(path.join(dir, '.env'), `KEY_A=${KEY_A}\nKEY_B=${KEY_B}\n`);
  });
  afterAll(async () => {
    await cleanup(dir);
  });

  it('exits 3 with a hint while the stack is not running', async () => {
    for (const args of [['analytics', '--json'], ['top', '--once']]) {
      const r = await portico(dir, args);
      expect(r.exitCode, r.all).toBe(3);
      expect(r.stderr).toMatch(/portico up/);
    }
    const bad = await portico(dir, ['analytics', '--window', '3d']);
    expect(bad.exitCode, bad.all).toBe(2);
  });

  it('counts the traffic through the gateway per consumer, in the endpoint and in portico analytics --json', async () => {
    const up = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(up.exitCode, up.all).toBe(0);
    gatewayUrl = JSON.parse(up.stdout).gateway.url;
    token = (await readFile(path.join(dir, '.portico', 'state', 'admin-token'), 'utf8')).trim();

    const get = (p: string, headers: Record<string, string> = {}) => fetch(`${gatewayUrl}${p}`, { headers }).then(async (r) => (await r.arrayBuffer(), r.status));
    for (let i = 0; i < 4; i++) expect(await get('/api/alpha/items')).toBe(200);
    for (let i = 0; i < 3; i++) expect(await get('/api/beta/items', { 'x-api-key': KEY_A })).toBe(200);
    for (let i = 0; i < 2; i++) expect(await get('/api/beta/items', { 'x-api-key': KEY_B })).toBe(200);
    expect(await get('/api/beta/items')).toBe(401);

    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-token' }, { 'x-api-key': KEY_A }];
    for (const headers of refused) {
      const res = await fetch(`${gatewayUrl}/_portico/analytics`, { headers });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toMatch(/alpha|beta|team-/);
    }

    const res = await fetch(`${gatewayUrl}/_portico/analytics?window=15m&by=consumer&service=beta`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as AnalyticsDocument;
    expect(Object.fromEntries(doc.groups.map((g) => [g.key, g.requests]))).toEqual({ 'team-a': 3, 'team-b': 2, anonymous: 1 });
    expect(doc.groups.find((g) => g.key === 'anonymous')!.statusClasses['4xx']).toBe(1);

    const cli = await portico(dir, ['analytics', '--json', '--by', 'consumer']);
    expect(cli.exitCode, cli.all).toBe(0);
    const all = JSON.parse(cli.stdout) as AnalyticsDocument;
    const by = Object.fromEntries(all.groups.map((g) => [g.key, g]));
    expect(by['team-a']).toMatchObject({ requests: 3, errors: 0, statusClasses: { '2xx': 3 } });
    expect(by['team-b']).toMatchObject({ requests: 2, errors: 0, statusClasses: { '2xx': 2 } });
    // Anonymous: the 4 alpha requests and the rejected beta one (nothing else goes through the routes).
    expect(by.anonymous).toMatchObject({ requests: 5, statusClasses: { '2xx': 4, '4xx': 1 } });
    expect(all.totals.latencyMs.p99).toBeGreaterThan(0);

    const byRoute = await portico(dir, ['analytics', '--by', 'route']);
    expect(byRoute.exitCode, byRoute.all).toBe(0);
    expect(byRoute.stdout).toMatch(/^ROUTE\s+REQUESTS\s+ERRORS/m);
    expect(byRoute.stdout).toMatch(/^alpha#0\s+4\s+0\s/m);
    expect(byRoute.stdout).toMatch(/^beta#0\s+6\s+0\s/m);

    const top = await portico(dir, ['top', '--once']);
    expect(top.exitCode, top.all).toBe(0);
    expect(top.stdout).toMatch(/^ROUTE\s+REQ\/S\s+P50\s+P99\s+ERR%/m);
    expect(top.stdout).toMatch(/^beta#0\s/m);
  });
});
