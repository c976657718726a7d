// Access log: one JSON line per request on stdout, in the log phase (on unless
// PORTICO_ACCESS_LOG=off). Requests that matched no route are logged too.
import type { Feature, LogHandler } from '../types.js';

export const accessLog: Feature = {
  name: 'access-log',
  slice: { gateway: [], route: [] },
  priority: 9,
  configure(_config, ctx) {
    if (!ctx.switches.accessLog) return null;
    const logger = ctx.logger;
    const log: LogHandler = (ex, status, seconds) => {
      logger.info({
        reqId: ex.requestId,
        method: ex.req.method,
        url: ex.req.url,
        route: ex.route?.id ?? null,
        service: ex.route?.upstream.name ?? null,
        instance: ex.endpoint?.id ?? null,
        status,
        consumer: ex.identity?.consumer ?? null,
        ms: Math.round(seconds * 1e6) / 1e3,
        ip: ex.clientIp || ex.req.remoteAddress,
        attempts: ex.attempts,
        cache: ex.cacheResult === null ? null : ex.cacheResult === 'hit' ? 'HIT' : 'MISS',
        error: ex.errorKind,
        completed: ex.res.writableFinished,
      });
    };
    return { forRoute: () => ({ log }), unrouted: () => ({ log }) };
  },
};
