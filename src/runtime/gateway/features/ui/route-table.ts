// /_portico/ui/routes.json: the Routes page's table, one row per route of the loaded
// gateway.json (what each route does: auth, rate limit, cache, timeouts, retries, breaker).
// Key names and secrets stay out: an API key is named by the consumer, never shown.
import type { GatewayConfig } from '../../../contract/index.js';

export function routeTable(config: GatewayConfig) {
  return {
    project: config.project,
    routes: config.routes.map((r) => ({
      id: r.id,
      service: r.service,
      path: r.path,
      host: r.host,
      methods: r.methods,
      stripPrefix: r.stripPrefix,
      auth: r.auth,
      rateLimit: r.rateLimit,
      cache: r.cache,
      cors: r.cors !== null,
      timeouts: r.timeouts,
      retries: r.retries,
      circuitBreaker: r.circuitBreaker,
      maxBodyBytes: r.maxBodyBytes,
    })),
  };
}
