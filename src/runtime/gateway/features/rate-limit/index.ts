// Rate limit (gateway.json route `rateLimit`): a token bucket per client key per route, in the
// access phase after auth (it may key by the verified identity). Every answer carries
// RateLimit-* headers; over the limit the gateway answers 429. Buckets survive a reload when the
// route keeps the same policy.
import type { GatewayRoute } from '../../../contract/index.js';
import { GatewayErrors } from '../../errors.js';
import type { Exchange } from '../../exchange.js';
import { ANSWERED, NEXT, type Feature, type FeatureInstance } from '../types.js';
import { TokenBucketLimiter } from './token-bucket.js';

const SWEEP_EVERY_MS = 30_000;

interface RateLimitInstance extends FeatureInstance {
  /** By route id, so that the next config can keep a route's buckets. */
  readonly limiters: Map<string, TokenBucketLimiter>;
}

/** The bucket key: the verified consumer when the policy keys by it, else the client IP. */
function rateKey(ex: Exchange, by: TokenBucketLimiter['by']): string {
  const identity = ex.identity;
  if (by === 'ip' || identity === null) return ex.clientIp;
  if (by === 'apiKey') return identity.kind === 'apiKey' ? identity.consumer : ex.clientIp;
  return identity.kind === 'jwt' ? identity.consumer : ex.clientIp;
}

function samePolicy(a: GatewayRoute['rateLimit'], b: GatewayRoute['rateLimit']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const rateLimit: Feature<RateLimitInstance> = {
  name: 'rate-limit',
  slice: { gateway: [], route: ['rateLimit'] },
  priority: 910,
  configure(config, _ctx, previous) {
    if (!config.routes.some((r) => r.rateLimit !== null)) return null;
    const limiters = new Map<string, TokenBucketLimiter>();
    const sweeper = setInterval(() => {
      const now = Date.now();
      for (const l of limiters.values()) l.sweep(now);
    }, SWEEP_EVERY_MS);
    sweeper.unref();
    return {
      limiters,
      forRoute(route) {
        if (route.rateLimit === null) return null;
        const kept = previous?.limiters.get(route.id);
        const limiter = kept !== undefined && samePolicy(kept.policy, route.rateLimit) ? kept : new TokenBucketLimiter(route.rateLimit);
        limiters.set(route.id, limiter);
        return {
          access(ex) {
            const decision = limiter.take(rateKey(ex, limiter.by), Date.now());
            ex.responseExtras.push(
              'ratelimit-limit', String(decision.limit),
              'ratelimit-remaining', String(decision.remaining),
              'ratelimit-reset', String(decision.resetSeconds),
              'ratelimit-policy', limiter.policyHeader,
            );
            if (decision.allowed) return NEXT;
            ex.fail(GatewayErrors.tooManyRequests, 'rate limit exceeded', { 'retry-after': String(decision.retryAfterSeconds) });
            return ANSWERED;
          },
        };
      },
      close() {
        clearInterval(sweeper);
      },
    };
  },
};
