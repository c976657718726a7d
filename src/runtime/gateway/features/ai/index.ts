// AI routes (gateway.json routes with `ai`, providers in `ai.providers`; docs/ai.md): LLM
// providers behind one OpenAI-compatible API. The route is matched, authenticated and rate
// limited like any other; instead of an upstream service, this feature answers it in the
// beforeUpstream phase by calling the providers through its own keep-alive pools (call.ts).
// Routes without `ai` get nothing from it, so the proxy's hot path is untouched. Token quotas
// survive a reload when the route keeps its policy; handlebars is loaded only for prompts.
import type { GatewayRoute } from '../../../contract/index.js';
import type { Exchange } from '../../exchange.js';
import { ANSWERED, NEXT, type Feature, type FeatureInstance } from '../types.js';
import { AiCall, type AiRouteState } from './call.js';
import { AiErrors, aiErrorBody } from './errors.js';
import type { CompiledPrompt } from './prompt-render.js';
import { openProvider, type Provider } from './providers.js';
import { TokenQuota } from './quota.js';

const SWEEP_EVERY_MS = 60_000;

interface AiInstance extends FeatureInstance {
  /** By route id, so that the next config can keep a route's token windows. */
  readonly quotas: Map<string, TokenQuota>;
}

function samePolicy(a: TokenQuota['policy'], b: TokenQuota['policy']): boolean {
  return a.tokens === b.tokens && a.perMs === b.perMs && a.by === b.by;
}

/** A declared body over the route's limit, answered in OpenAI's error format (before the core's 413). */
function tooLarge(ex: Exchange): boolean {
  const body = ex.req.body;
  const limit = ex.route!.maxBodyBytes;
  if (body === null || body.length <= limit) return NEXT;
  ex.errorKind = AiErrors.tooLarge.code;
  ex.status = AiErrors.tooLarge.status;
  ex.res.writeHead(ex.status, ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', ...ex.responseExtras]);
  ex.res.end(aiErrorBody(AiErrors.tooLarge, `request body larger than ${limit} bytes`));
  ex.finish();
  return ANSWERED;
}

export const ai: Feature<AiInstance> = {
  name: 'ai',
  slice: { gateway: ['ai'], route: ['ai'] },
  // Last in the access phase (after auth and rate limit: quotas key by the verified consumer);
  // the calls themselves happen in beforeUpstream, after the body was admitted.
  priority: 50,
  async configure(config, ctx, previous) {
    const routes = config.routes.filter((r) => r.ai !== undefined && r.ai !== null);
    if (routes.length === 0) return null;
    const providers = new Map<string, Provider>();
    for (const [name, p] of Object.entries(config.ai?.providers ?? {})) {
      const provider = openProvider(name, p, ctx.env, ctx.tlsCa);
      providers.set(name, provider);
      if (p.keyEnv !== null && provider.key === null) ctx.logger.warn({ provider: name, keyEnv: p.keyEnv }, `AI provider ${name}: ${p.keyEnv} is not set; its calls go without a key`);
    }
    const prompts = new Map<string, CompiledPrompt>();
    if (routes.some((r) => r.ai!.prompt !== null)) {
      const { compilePrompt } = await import('./prompt-render.js');
      for (const r of routes) if (r.ai!.prompt !== null) prompts.set(r.id, compilePrompt(r.ai!.prompt));
    }
    const quotas = new Map<string, TokenQuota>();
    const sweeper = setInterval(() => {
      const now = Date.now();
      for (const q of quotas.values()) q.sweep(now);
    }, SWEEP_EVERY_MS);
    sweeper.unref();
    return {
      quotas,
      forRoute(route: GatewayRoute) {
        const aiConfig = route.ai;
        if (aiConfig === undefined || aiConfig === null) return null;
        let quota: TokenQuota | null = null;
        if (aiConfig.tokenLimit !== null) {
          const kept = previous?.quotas.get(route.id);
          quota = kept !== undefined && samePolicy(kept.policy, aiConfig.tokenLimit) ? kept : new TokenQuota(aiConfig.tokenLimit);
          quotas.set(route.id, quota);
        }
        const state: AiRouteState = { config: aiConfig, providers, quota, prompt: prompts.get(route.id) ?? null };
        return {
          access: tooLarge,
          beforeUpstream(ex) {
            new AiCall(ex, state).start();
            return ANSWERED;
          },
        };
      },
      close() {
        clearInterval(sweeper);
        // In-flight calls finish on their pools; new ones go to the next config's.
        for (const p of providers.values()) void p.pool.close();
      },
    };
  },
};
