// `portico analytics` / `portico top` rendering and argument checks (pure parts; the commands
// against a real stack are in test/integration/analytics-stack.test.ts).
import { describe, expect, it } from 'vitest';
import { aiTables, analyticsPath, analyticsTable, tunnelTable } from '../../src/cli/commands/analytics-view.js';
import { topTable } from '../../src/cli/commands/top.js';
import type { AnalyticsDocument, AnalyticsGroup } from '../../src/runtime/contract/analytics-api.js';

const latencyMs = { p50: 1.5, p95: 12, p99: 130, max: 140 };
const group = (key: string, requests: number, errors: number): AnalyticsGroup => ({
  key,
  requests,
  errors,
  rateLimited: 1,
  cacheHits: 0,
  bytesIn: 0,
  bytesOut: 4096,
  upstreamErrors: 0,
  ratePerSecond: 2.5,
  latencyMs,
  tunnels: { upgrades: 0, open: 0, closed: 0, bytesIn: 0, bytesOut: 0, durationMs: { p50: 0, p95: 0, p99: 0, max: 0 } },
  ai: { requests: 0, inputTokens: 0, outputTokens: 0, fallbacks: 0 },
  statusClasses: { '1xx': 0, '2xx': requests - errors, '3xx': 0, '4xx': 0, '5xx': errors },
});
const doc: AnalyticsDocument = {
  window: '15m',
  by: 'route',
  bucketSeconds: 10,
  from: '2026-12-03T07:45:00.000Z',
  to: '2026-12-03T08:00:00.000Z',
  filters: { route: null, service: null, consumer: null },
  totals: { ...group('', 30, 2), ratePerSecond: 5 },
  groups: [group('orders#0', 20, 2), group('users#0', 10, 0)],
  series: [],
  ai: { usage: [], fallbacks: [] },
};

describe('portico analytics and top', () => {
  it('builds the endpoint path, refusing windows and groupings the gateway does not keep (exit 2)', () => {
    expect(analyticsPath('1h', 'consumer')).toBe('/_portico/analytics?window=1h&by=consumer');
    for (const [w, by] of [['3d', 'route'], ['30s', 'route'], ['15m', 'method']]) {
      expect(() => analyticsPath(w, by)).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });

  it('renders a table per group with a TOTAL line', () => {
    const text = analyticsTable(doc, false);
    expect(text).toMatch(/^ROUTE\s+REQUESTS\s+ERRORS\s+ERR%\s+429\s+CACHE HITS\s+P50\s+P95\s+P99\s+MAX\s+IN\s+OUT$/m);
    expect(text).toMatch(/^orders#0\s+20\s+2\s+10\.0%\s+1\s+0\s+1\.50ms\s+12\.0ms\s+130ms\s+140ms\s+0B\s+4\.0KiB$/m);
    expect(text).toMatch(/^TOTAL\s+30\s+2\s+6\.7%/m);
  });

  it('shows tunnel and AI tables only when the window has tunnels or AI calls', () => {
    expect(tunnelTable(doc, false)).toBeNull();
    expect(aiTables(doc, false)).toBeNull();
    const ws = { ...group('chat#0', 3, 0), tunnels: { upgrades: 3, open: 1, closed: 2, bytesIn: 2048, bytesOut: 10, durationMs: { p50: 250, p95: 12_000, p99: 12_000, max: 7_200_000 } } };
    const withTunnels: AnalyticsDocument = { ...doc, totals: { ...doc.totals, tunnels: ws.tunnels }, groups: [ws, group('users#0', 10, 0)] };
    const tunnels = tunnelTable(withTunnels, false)!;
    expect(tunnels).toMatch(/^ROUTE\s+UPGRADES\s+OPEN\s+CLOSED\s+IN\s+OUT\s+P50\s+P99\s+MAX$/m);
    expect(tunnels).toMatch(/^chat#0\s+3\s+1\s+2\s+2\.0KiB\s+10B\s+250ms\s+12\.0s\s+2\.0h$/m);
    expect(tunnels).not.toMatch(/users#0/);
    const usage = { route: 'chat#0', service: 'ai', consumer: 'alice', provider: 'openai', model: 'gpt-4o', requests: 2, inputTokens: 30, outputTokens: 12, fallbacks: 1 };
    const withAi: AnalyticsDocument = { ...doc, ai: { usage: [usage], fallbacks: [{ route: 'chat#0', from: 'openai/gpt-4o', to: 'anthropic/claude-3', count: 1 }] } };
    const ai = aiTables(withAi, false)!;
    expect(ai).toMatch(/^chat#0\s+alice\s+openai\/gpt-4o\s+2\s+30\s+12\s+1$/m);
    expect(ai).toMatch(/^chat#0\s+openai\/gpt-4o\s+anthropic\/claude-3\s+1$/m);
  });

  it('top shows req/s, p50/p99 and error % per route', () => {
    const text = topTable(doc, false);
    expect(text).toMatch(/^ROUTE\s+REQ\/S\s+P50\s+P99\s+ERR%/m);
    expect(text).toMatch(/^users#0\s+2\.5\s+1\.50ms\s+130ms\s+0\.0%\s+10\s+1$/m);
    expect(text).toMatch(/^TOTAL\s+5\.0\s/m);
  });
});
