import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { manifestSchema } from '../../src/manifest/schema.js';
import { workspaceVars } from '../../src/scaffold/workspace.js';
import { shellQuote } from '../../src/core/shell-quote.js';
import {
  apiKeyEnvName,
  applyDemoSettings,
  gatewayUrl,
  isQuickstartManifest,
  markManifest,
  readEnvValue,
  routeExamples,
  summary,
  withEnvValue,
} from '../../src/quickstart/demo.js';

// What `portico init` + two `portico create` runs leave: the workspace template's comments,
// then services added as block mappings.
const MANIFEST = `# yaml-language-server: $schema=./.portico/portico.schema.json
# The Portico manifest.
version: 1

# Prefixes every Docker resource.
name: portico-demo

gateway:
  # The only port published on the host.
  port: 8080
  # auth:
  #   apiKeys: [{ name: ci, env: PORTICO_DEMO_API_KEY }]

# \`portico create <name>\` adds services here.
services:
  catalog:
    template: node-fastify
    path: services/catalog
    port: 3000
    routes:
      - path: /api/catalog
  orders:
    template: node-express
    path: services/orders
    port: 3000
    routes:
      - path: /api/orders
`;

describe('quickstart demo manifest edits', () => {
  it('marks the manifest once, after the editor schema line', () => {
    const marked = markManifest(MANIFEST);
    expect(marked.split('\n')[0]).toMatch(/^# yaml-language-server/);
    expect(isQuickstartManifest(marked)).toBe(true);
    expect(isQuickstartManifest(MANIFEST)).toBe(false);
    expect(markManifest(marked)).toBe(marked);
  });

  it('sets the port, the API key by env var name and auth: required on orders, keeping comments', () => {
    const out = applyDemoSettings(MANIFEST, { port: 18080, keyEnv: 'PORTICO_DEMO_API_KEY' });
    const m = manifestSchema.parse(parse(out));
    expect(m.gateway.port).toBe(18080);
    expect(m.gateway.auth.apiKeys).toEqual([{ name: 'demo', env: 'PORTICO_DEMO_API_KEY' }]);
    expect(m.services.orders!.routes[0]!.auth).toBe('required');
    expect(m.services.catalog!.routes[0]!.auth).toBe('none');
    expect(out).toContain('# The only port published on the host.');
    expect(out).toContain('# `portico create <name>` adds services here.');
    // Applied again: byte for byte the same.
    expect(applyDemoSettings(out, { port: 18080, keyEnv: 'PORTICO_DEMO_API_KEY' })).toBe(out);
  });

  it('keeps API keys the user already had', () => {
    const withKey = MANIFEST.replace('  port: 8080\n', '  port: 8080\n  auth:\n    apiKeys:\n      - { name: ci, env: CI_KEY }\n');
    const out = applyDemoSettings(withKey, { port: 8080, keyEnv: 'X_KEY' });
    expect(manifestSchema.parse(parse(out)).gateway.auth.apiKeys.map((k) => k.env)).toEqual(['CI_KEY', 'X_KEY']);
  });
});

describe('quickstart .env', () => {
  it('adds the key once and never changes an existing value', () => {
    const first = withEnvValue('', 'K', 'v1', 'demo key');
    expect(readEnvValue(first, 'K')).toBe('v1');
    expect(withEnvValue(first, 'K', 'v2', 'demo key')).toBe(first);
    expect(withEnvValue('A=1', 'K', 'v', 'c')).toBe('A=1\n# c\nK=v\n');
    expect(readEnvValue('export K="quoted"\n', 'K')).toBe('quoted');
    expect(readEnvValue('KK=1\n', 'K')).toBeUndefined();
  });

  it('names the env var after the project', () => {
    expect(apiKeyEnvName(workspaceVars('portico-demo').envPrefix)).toBe('PORTICO_DEMO_API_KEY');
  });
});

describe('quickstart summary', () => {
  it('prints one curl per route, the protected one with the key header, and how to stop', () => {
    const url = gatewayUrl('127.0.0.1', 18080);
    const examples = routeExamples(url, 'sekret');
    expect(examples.map((e) => e.curl)).toEqual([
      'curl http://127.0.0.1:18080/api/catalog/items',
      'curl -H "x-api-key: sekret" http://127.0.0.1:18080/api/orders/items',
    ]);
    const text = summary({ url, examples, dirForHumans: 'my demo', keyEnv: 'K', running: true });
    expect(text).toContain('Gateway: http://127.0.0.1:18080');
    expect(text).toContain("Stop it:   cd 'my demo' && portico down");
    expect(text).not.toContain('Start it');
    expect(summary({ url, examples, dirForHumans: '.', keyEnv: 'K', running: false })).toContain('Start it:  portico up');
  });

  it('shows the developer portal login link and the catalog', () => {
    const url = gatewayUrl('127.0.0.1', 18080);
    const login = 'http://127.0.0.1:18080/_portico/login#token=t0k';
    const text = summary({ url, examples: routeExamples(url, 'k'), dirForHumans: '.', keyEnv: 'K', running: true, portalLogin: login });
    expect(text).toContain(`Portal:    ${login}`);
    expect(text).toContain('portico dashboard');
    expect(text).toContain('APIs:      portico catalog');
    expect(summary({ url, examples: [], dirForHumans: '.', keyEnv: 'K', running: false })).toContain('Portal:    portico dashboard');
  });

  it('reaches a wildcard bind on the loopback address', () => {
    expect(gatewayUrl('0.0.0.0', 80)).toBe('http://127.0.0.1:80');
    expect(gatewayUrl('::1', 80)).toBe('http://[::1]:80');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
