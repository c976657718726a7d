// The feature pipeline (src/runtime/gateway/features/pipeline.ts): handler lists per route and
// phase, built at config load from the feature list, in priority order, with nothing from a
// feature a route does not use; /_portico/* endpoints from the list, each path once.
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, gatewayRouteSchema, type GatewayConfig } from '../../src/runtime/contract/index.js';
import type { Exchange } from '../../src/runtime/gateway/exchange.js';
import { FEATURES } from '../../src/runtime/gateway/features/index.js';
import { CORE_SLICE, NO_PHASES, buildPipeline, checkFeatureList } from '../../src/runtime/gateway/features/pipeline.js';
import { NEXT, type Feature, type FeatureContext, type FeatureInstance, type GatewayEndpoint } from '../../src/runtime/gateway/features/types.js';
import { silentLogger } from '../../src/runtime/gateway/log.js';
import { gatewayConfig, route } from '../integration/gateway-helpers.js';

function context(switches: Partial<FeatureContext['switches']> = {}): FeatureContext {
  return {
    env: { TEST_KEY: 'k-0123456789' },
    logger: silentLogger,
    switches: { metrics: false, accessLog: false, ...switches },
    status: () => ({ project: 'test', routes: 0, registry: null, upstreams: [], uptimeSeconds: 0, config: { version: 1, hash: 'test', loadedAt: '' } }),
    discovery: { version: 1, project: 'test', network: 'test_net', services: {} },
  };
}

const plain = route({ id: 'plain#0', service: 's', path: '/plain' });
const guarded = route({
  id: 'guarded#0',
  service: 's',
  path: '/guarded',
  auth: 'required',
  rateLimit: { requests: 10, perMs: 1000, by: 'ip', burst: 10 },
  cache: { ttlMs: 1000 },
  cors: { origins: ['*'], methods: [], headers: [], exposeHeaders: [], credentials: false, maxAgeSeconds: 60 },
});
const config: GatewayConfig = gatewayConfig([plain, guarded], {
  auth: { apiKeys: [{ name: 'test', env: 'TEST_KEY' }], jwt: null },
});

/** A feature that records, in `calls`, its name each time its access handler runs. */
function recording(name: string, priority: number, calls: string[], endpoints: GatewayEndpoint[] = []): Feature {
  const instance: FeatureInstance = {
    forRoute: () => ({
      access: () => {
        calls.push(name);
        return NEXT;
      },
    }),
    endpoints,
  };
  return { name, priority, slice: NO_SLICE, configure: () => instance };
}

const NO_SLICE = { gateway: [], route: [] };
const endpoint = (path: `/_portico/${string}`): GatewayEndpoint => ({ path, access: 'public', handle: () => {} });

describe('gateway feature pipeline', () => {
  it('orders each phase by priority, highest first, ties in list order', async () => {
    const calls: string[] = [];
    const features = [recording('low', 1, calls), recording('high', 100, calls), recording('mid-a', 50, calls), recording('mid-b', 50, calls)];
    const pipeline = await buildPipeline(features, config, context(), undefined);
    const phases = pipeline.phasesFor(plain);
    expect(phases.access).toHaveLength(4);
    for (const handler of phases.access) handler({} as Exchange);
    expect(calls).toEqual(['high', 'mid-a', 'mid-b', 'low']);
  });

  it('compiles empty handler lists for a route without auth, rate limit, cache or CORS', async () => {
    const pipeline = await buildPipeline(FEATURES, config, context(), undefined);
    expect(pipeline.phasesFor(plain)).toBe(NO_PHASES);
    expect(Object.values(NO_PHASES).every((list) => list.length === 0)).toBe(true);
    expect(pipeline.unrouted).toBe(NO_PHASES);
  });

  it('gives a route only the handlers of the features it uses', async () => {
    const pipeline = await buildPipeline(FEATURES, config, context(), undefined);
    const phases = pipeline.phasesFor(guarded);
    expect(phases.access).toHaveLength(3); // cors, auth, rate limit
    expect(phases.beforeUpstream).toHaveLength(1); // cache lookup
    expect(phases.upstreamRequest).toHaveLength(1); // identity headers
    expect(phases.responseHeaders).toHaveLength(1); // x-cache, capture
    expect(phases.responseBody).toHaveLength(1); // capture
    expect(phases.log).toHaveLength(0); // metrics and access log are off
    const observed = await buildPipeline(FEATURES, config, context({ metrics: true, accessLog: true }), undefined);
    expect(observed.phasesFor(plain).log).toHaveLength(2);
    expect(observed.phasesFor(plain).access).toHaveLength(0);
    expect(observed.unrouted.log).toHaveLength(2);
    observed.close(true);
    pipeline.close(true);
  });

  it('leaves out features a config does not use at all', async () => {
    const pipeline = await buildPipeline(FEATURES, gatewayConfig([plain]), context(), undefined);
    // health, the catalog and the portal are always on (the catalog lists routed services even without documents).
    expect([...pipeline.instances.keys()]).toEqual(['health', 'catalog', 'ui']);
  });

  it('registers the endpoints of the configured features', async () => {
    const off = await buildPipeline(FEATURES, config, context(), undefined);
    const always = ['/_portico/catalog', '/_portico/health', '/_portico/login', '/_portico/logout', '/_portico/openapi.json', '/_portico/ui'];
    expect([...off.endpoints.keys()].sort()).toEqual(always);
    const on = await buildPipeline(FEATURES, config, context({ metrics: true }), undefined);
    expect([...on.endpoints.keys()].sort()).toEqual([...always, '/_portico/metrics'].sort());
    on.close(true);
    off.close(true);
  });

  it('rejects two features registering one endpoint path, and a feature listed twice', async () => {
    const features = [recording('one', 1, [], [endpoint('/_portico/same')]), recording('two', 2, [], [endpoint('/_portico/same')])];
    await expect(buildPipeline(features, config, context(), undefined)).rejects.toThrow('gateway endpoint /_portico/same is registered by both "two" and "one"');
    const twice = [recording('one', 1, []), recording('one', 2, [])];
    await expect(buildPipeline(twice, config, context(), undefined)).rejects.toThrow('gateway feature "one" is listed twice');
  });

  it('gives every gateway.json key, top-level and per route, exactly one owner: a feature or the core', () => {
    expect(() => checkFeatureList(FEATURES)).not.toThrow();
    const owned = (pick: (slice: typeof CORE_SLICE) => readonly string[]): string[] => [...pick(CORE_SLICE), ...FEATURES.flatMap((f) => pick(f.slice))].sort();
    // Against the contract's schemas, so a key added there fails here until someone owns it.
    expect(owned((s) => s.gateway)).toEqual(Object.keys(gatewayConfigSchema.shape).sort());
    expect(owned((s) => s.route)).toEqual(Object.keys(gatewayRouteSchema.shape).sort());
    const greedy: Feature = { name: 'greedy', priority: 1, slice: { gateway: [], route: ['cache'] }, configure: () => null };
    expect(() => checkFeatureList([...FEATURES, greedy])).toThrow('gateway config key routes[].cache is claimed by both "cache" and "greedy"');
  });

  it('closes what it built when a feature fails to configure', async () => {
    const closed: boolean[] = [];
    const first: Feature = { name: 'first', priority: 2, slice: NO_SLICE, configure: () => ({ close: (final) => closed.push(final) }) };
    const broken: Feature = {
      name: 'broken',
      priority: 1,
      slice: NO_SLICE,
      configure: () => {
        throw new Error('bad config');
      },
    };
    await expect(buildPipeline([first, broken], config, context(), undefined)).rejects.toThrow('bad config');
    expect(closed).toEqual([false]);
  });

  it('hands each feature its previous instance: metrics and unchanged rate limits survive a rebuild', async () => {
    const ctx = context({ metrics: true });
    const before = await buildPipeline(FEATURES, config, ctx, undefined);
    before.phasesFor(guarded);
    const after = await buildPipeline(FEATURES, config, ctx, before);
    after.phasesFor(guarded);
    const metricsOf = (p: typeof before): unknown => (p.instances.get('metrics') as unknown as { metrics: unknown }).metrics;
    const limiterOf = (p: typeof before): unknown => (p.instances.get('rate-limit') as unknown as { limiters: Map<string, unknown> }).limiters.get('guarded#0');
    expect(metricsOf(after)).toBe(metricsOf(before));
    expect(limiterOf(after)).toBe(limiterOf(before));
    before.close(false);
    after.close(true);
  });
});

describe('gateway endpoints', () => {
  it('finds an exact path first, else the longest prefix endpoint, only at a path boundary', async () => {
    const features = [
      recording('a', 1, [], [{ ...endpoint('/_portico/ui'), prefix: true }]),
      recording('b', 2, [], [{ ...endpoint('/_portico/ui/api'), prefix: true }, endpoint('/_portico/ui/exact')]),
    ];
    const pipeline = await buildPipeline(features, config, context(), undefined);
    expect(pipeline.endpointFor('/_portico/ui')?.path).toBe('/_portico/ui');
    expect(pipeline.endpointFor('/_portico/ui/app.js')?.path).toBe('/_portico/ui');
    expect(pipeline.endpointFor('/_portico/ui/api/x')?.path).toBe('/_portico/ui/api');
    expect(pipeline.endpointFor('/_portico/ui/exact')?.path).toBe('/_portico/ui/exact');
    expect(pipeline.endpointFor('/_portico/uix')).toBeUndefined();
    pipeline.close(true);
  });
});
