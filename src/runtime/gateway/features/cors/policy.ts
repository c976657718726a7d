// CORS, compiled per route: allowed origins in a Set (or "*"), header values joined once.
// Preflights are answered by the gateway (never forwarded, never authenticated: browsers send
// no credentials on them); actual requests get Access-Control-* headers added to the answer.
import type { CorsPolicy } from '../../../contract/index.js';

export interface PreflightAnswer {
  status: number;
  headers: string[];
}

export class CompiledCors {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly methods: ReadonlySet<string>;
  private readonly allowMethods: string;
  private readonly allowHeaders: string | null;
  private readonly exposeHeaders: string | null;
  private readonly maxAge: string;

  constructor(readonly policy: CorsPolicy) {
    this.anyOrigin = policy.origins.includes('*');
    this.origins = new Set(policy.origins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
    const methods = policy.methods.length > 0 ? policy.methods.map((m) => m.toUpperCase()) : ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
    this.methods = new Set(methods);
    this.allowMethods = methods.join(', ');
    this.allowHeaders = policy.headers.length > 0 ? policy.headers.join(', ') : null;
    this.exposeHeaders = policy.exposeHeaders.length > 0 ? policy.exposeHeaders.join(', ') : null;
    this.maxAge = String(policy.maxAgeSeconds);
  }

  allows(origin: string): boolean {
    return this.anyOrigin || this.origins.has(origin.toLowerCase());
  }

  /** With credentials, "*" is not allowed by browsers: echo the origin instead. */
  private allowOrigin(origin: string): string {
    return this.anyOrigin && !this.policy.credentials ? '*' : origin;
  }

  /** Headers for an actual (non-preflight) cross-origin request from an allowed origin. */
  actualHeaders(origin: string, out: string[]): void {
    if (!this.allows(origin)) return;
    out.push('access-control-allow-origin', this.allowOrigin(origin), 'vary', 'Origin');
    if (this.policy.credentials) out.push('access-control-allow-credentials', 'true');
    if (this.exposeHeaders !== null) out.push('access-control-expose-headers', this.exposeHeaders);
  }

  /** The answer to a preflight; `requestHeaders` is Access-Control-Request-Headers. */
  preflight(origin: string, method: string, requestHeaders: string | undefined): PreflightAnswer {
    if (!this.allows(origin) || !this.methods.has(method.toUpperCase())) {
      return { status: 403, headers: ['vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'] };
    }
    const headers = ['access-control-allow-origin', this.allowOrigin(origin), 'access-control-allow-methods', this.allowMethods, 'access-control-max-age', this.maxAge, 'vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'];
    // No configured list: allow what the browser asked for (the route still authenticates the real request).
    const allowHeaders = this.allowHeaders ?? requestHeaders;
    if (allowHeaders !== undefined && allowHeaders !== '') headers.push('access-control-allow-headers', allowHeaders);
    if (this.policy.credentials) headers.push('access-control-allow-credentials', 'true');
    return { status: 204, headers };
  }
}
