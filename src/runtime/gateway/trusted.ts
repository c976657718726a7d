// Trusted proxies: X-Forwarded-* from the client are believed only when the TCP peer is one of
// these addresses or CIDR ranges (IPv4 or IPv6). Everyone else gets their headers replaced.
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw new Error(`trustedProxies: "${entry}" is not an IP address or CIDR range`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
    this.empty = entries.length === 0;
  }

  has(remote: string): boolean {
    if (this.empty || remote === '') return false;
    if (remote.startsWith('::ffff:') && isIP(remote.slice(7)) === 4) return this.list.check(remote.slice(7), 'ipv4');
    return this.list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * The client address: the TCP peer, or, when the peer is a trusted proxy, the nearest
 * untrusted address in X-Forwarded-For (walking from the right, as each proxy appends).
 */
export function clientAddress(remote: string, forwardedFor: string | null, trusted: TrustedProxies): string {
  if (forwardedFor === null || !trusted.has(remote)) return remote;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i].trim();
    if (hop !== '' && !trusted.has(hop)) return hop;
  }
  return remote;
}
