// /_portico/health: the gateway's own state (project, route count, registry subscription,
// upstream instances and breakers), always on.
import type { Feature, FeatureInstance } from '../types.js';

export const health: Feature = {
  name: 'health',
  slice: { gateway: [], route: [] },
  priority: 0,
  configure(_config, ctx) {
    const instance: FeatureInstance = {
      endpoints: [
        {
          path: '/_portico/health',
          access: 'public',
          handle(req, res) {
            const body = JSON.stringify({ status: 'ok', ...ctx.status() });
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
            res.end(req.method === 'HEAD' ? undefined : body);
          },
        },
      ],
    };
    return instance;
  },
};
