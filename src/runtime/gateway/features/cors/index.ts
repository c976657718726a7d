// CORS (gateway.json route `cors`): answers preflights itself and adds Access-Control-* headers
// to actual cross-origin answers. It runs first in the access phase: a preflight carries no
// credentials, so it must be answered before auth could reject it.
import { ANSWERED, NEXT, type Feature, type FeatureInstance } from '../types.js';
import { CompiledCors } from './policy.js';

const instance: FeatureInstance = {
  forRoute(route) {
    if (route.cors === null) return null;
    const cors = new CompiledCors(route.cors);
    return {
      access(ex) {
        const origin = ex.origin;
        if (origin === null) return NEXT;
        if (!ex.preflight) {
          cors.actualHeaders(origin, ex.responseExtras);
          return NEXT;
        }
        const headers = ex.req.headers;
        const answer = cors.preflight(origin, headers['access-control-request-method']!, headers['access-control-request-headers']);
        ex.respond(answer.status, answer.headers.concat(ex.responseExtras, ['content-length', '0']));
        return ANSWERED;
      },
    };
  },
};

export const cors: Feature = {
  name: 'cors',
  slice: { gateway: [], route: ['cors'] },
  priority: 2000,
  configure: (config) => (config.routes.some((r) => r.cors !== null) ? instance : null),
};
