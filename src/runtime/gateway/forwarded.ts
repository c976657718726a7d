// The client's address and the X-Forwarded-* headers sent upstream: a core step of every
// proxied request (not a feature), one instance per config. What the client claims in
// X-Forwarded-* is kept only when its TCP peer is a trusted proxy (trusted.ts).
import { TrustedProxies, clientAddress } from './trusted.js';

/** The request facts forwarding reads (filled by the request-header pass, headers.ts). */
export interface ForwardingFacts {
  readonly forwardedFor: string | null;
  readonly forwardedProto: string | null;
  readonly forwardedHost: string | null;
  readonly host: string | null;
  readonly requestId: string | null;
  readonly traceparent: string | null;
}

export class Forwarding {
  private readonly trusted: TrustedProxies;

  constructor(trustedProxies: readonly string[]) {
    this.trusted = new TrustedProxies(trustedProxies);
  }

  /** Client IP for rate limiting and logs (X-Forwarded-For honoured only from trusted proxies). */
  clientIp(remote: string, facts: ForwardingFacts): string {
    return clientAddress(remote, facts.forwardedFor, this.trusted);
  }

  /** Append X-Forwarded-For/-Proto/-Host and the request's ids to the upstream headers. */
  addHeaders(remote: string, facts: ForwardingFacts, h: string[]): void {
    const trusted = this.trusted.has(remote);
    h.push('x-forwarded-for', trusted && facts.forwardedFor !== null ? `${facts.forwardedFor}, ${remote}` : remote);
    h.push('x-forwarded-proto', trusted && facts.forwardedProto !== null ? facts.forwardedProto : 'http');
    const host = trusted && facts.forwardedHost !== null ? facts.forwardedHost : facts.host;
    if (host !== null) h.push('x-forwarded-host', host);
    h.push('x-request-id', facts.requestId!, 'traceparent', facts.traceparent!);
  }
}
