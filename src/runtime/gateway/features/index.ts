// The gateway's features, one line each. Adding a feature: a folder under features/ whose
// index.ts exports a Feature (types.ts), and one line here. The order below only breaks ties
// between equal priorities; each feature's priority places it within every phase.
import { accessLog } from './access-log/index.js';
import { ai } from './ai/index.js';
import { analytics } from './analytics/index.js';
import { auth } from './auth/index.js';
import { cache } from './cache/index.js';
import { catalog } from './catalog/index.js';
import { cors } from './cors/index.js';
import { health } from './health/index.js';
import { mcp } from './mcp/index.js';
import { metrics } from './metrics/index.js';
import { rateLimit } from './rate-limit/index.js';
import type { Feature } from './types.js';
import { ui } from './ui/index.js';

export const FEATURES: readonly Feature[] = [
  cors, //        2000  access: answers preflights, adds Access-Control-* headers
  auth, //        1250  access: API key / JWT -> identity; upstreamRequest: identity headers
  rateLimit, //    910  access: token bucket, RateLimit-* headers, 429
  cache, //        100  beforeUpstream: serve from cache; responseHeaders/Body: capture
  ai, //            50  AI routes: access (body limit), beforeUpstream: call the LLM providers
  metrics, //       13  log: Prometheus series; endpoint /_portico/metrics
  analytics, //     12  log: per route/consumer/method/status buckets; admin endpoint /_portico/analytics
  accessLog, //      9  log: one JSON line per request
  health, //         0  endpoint /_portico/health
  catalog, //        0  follows the registry; admin endpoints /_portico/catalog*, /_portico/openapi.json
  ui, //             0  the developer portal: admin /_portico/ui/*, public /_portico/login, /_portico/logout
  mcp, //            0  endpoint /_portico/mcp: catalog operations as MCP tools (after catalog: reads its view)
];
