// Response cache (gateway.json `cacheMaxBytes` and route `cache`): GET/HEAD answers served from
// memory before the upstream (beforeUpstream phase, after auth, so a cached entry still needs
// valid credentials), and storable upstream answers captured while they stream (response
// phases). The store is per config: a reload starts with an empty cache.
import type { Feature, FeatureInstance, ResponseBodyHandler } from '../types.js';
import { CacheFlow } from './flow.js';
import { ResponseCache } from './store.js';

export const cache: Feature = {
  name: 'cache',
  slice: { gateway: ['cacheMaxBytes'], route: ['cache'] },
  priority: 100,
  configure(config) {
    if (!config.routes.some((r) => r.cache !== null)) return null;
    const store = new ResponseCache(config.cacheMaxBytes);
    const flow = new CacheFlow(store);
    const body: ResponseBodyHandler = { data: (ex, chunk) => flow.onData(ex, chunk), end: (ex) => flow.onEnd(ex) };
    const instance: FeatureInstance = {
      forRoute(route) {
        if (route.cache === null) return null;
        const ttlMs = route.cache.ttlMs;
        return {
          beforeUpstream: (ex) => flow.serve(ex, ttlMs),
          responseHeaders: (ex, status, headers) => flow.onResponseHeaders(ex, status, headers),
          responseBody: body,
        };
      },
      close() {
        store.clear();
      },
    };
    return instance;
  },
};
