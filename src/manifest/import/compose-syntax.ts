// Parsers for the shapes a docker-compose file writes the same thing in (v2, v3 and the Compose
// Specification): ports short and long, volumes short and long, durations, environment as a
// list or a map, command as a string or a list. Pure; each returns what it understood or a
// reason it could not.
import { parse as parseShell } from 'shell-quote';

export interface PortMapping {
  container: number;
  host?: number;
  hostIp?: string;
  protocol: string;
}

/** "80", "8080:80", "127.0.0.1:8080:80/tcp", 80, or {target, published, host_ip, protocol}. */
export function parsePort(entry: unknown): PortMapping | { error: string } {
  if (typeof entry === 'number') return { container: entry, protocol: 'tcp' };
  if (entry && typeof entry === 'object') {
    const o = entry as { target?: unknown; published?: unknown; host_ip?: unknown; protocol?: unknown };
    const container = Number(o.target);
    if (!Number.isInteger(container)) return { error: 'has no numeric target' };
    const published = o.published === undefined ? undefined : Number(o.published);
    if (published !== undefined && !Number.isInteger(published)) return { error: `published "${String(o.published)}" is a range or not a number` };
    return { container, host: published, hostIp: typeof o.host_ip === 'string' ? o.host_ip : undefined, protocol: typeof o.protocol === 'string' ? o.protocol : 'tcp' };
  }
  if (typeof entry !== 'string') return { error: 'is neither a string, a number nor a mapping' };
  const [spec, protocol = 'tcp'] = entry.split('/');
  // An IPv6 host address is bracketed: [::1]:8080:80.
  const m = /^(?:(\[[^\]]+\]|[^:]+):)??(?:(\d+):)?(\d+)$/.exec(spec!);
  if (!m) return { error: 'is a port range or not in host:container form' };
  return { container: Number(m[3]), host: m[2] === undefined ? undefined : Number(m[2]), hostIp: m[1]?.replace(/^\[|\]$/g, ''), protocol };
}

export interface VolumeMount {
  type: 'volume' | 'bind' | 'anonymous' | 'other';
  source?: string;
  target: string;
  readOnly: boolean;
  /** The compose type for 'other' (tmpfs, npipe, cluster). */
  kind?: string;
}

/** "data:/var/lib/x", "./src:/app:ro", "/cache", or {type, source, target, read_only}. */
export function parseVolume(entry: unknown): VolumeMount | { error: string } {
  if (entry && typeof entry === 'object') {
    const o = entry as { type?: unknown; source?: unknown; target?: unknown; read_only?: unknown };
    if (typeof o.target !== 'string') return { error: 'has no target' };
    const readOnly = o.read_only === true;
    const source = typeof o.source === 'string' ? o.source : undefined;
    if (o.type === 'volume') return source ? { type: 'volume', source, target: o.target, readOnly } : { type: 'anonymous', target: o.target, readOnly };
    if (o.type === 'bind') return { type: 'bind', source, target: o.target, readOnly };
    return { type: 'other', kind: String(o.type), source, target: o.target, readOnly };
  }
  if (typeof entry !== 'string') return { error: 'is neither a string nor a mapping' };
  const parts = entry.split(':');
  if (parts.length === 1) return { type: 'anonymous', target: parts[0]!, readOnly: false };
  const [source, target, mode = ''] = parts as [string, string, string?];
  const readOnly = mode.split(',').includes('ro');
  const isPath = /^(\.|\/|~|\$)/.test(source);
  return { type: isPath ? 'bind' : 'volume', source, target, readOnly };
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style compose durations ("1m30s", "500ms", "10s") to milliseconds; undefined if not one. */
export function parseComposeDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 1000; // a bare number in compose is seconds
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(us|ms|s|m|h))+$/.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** Milliseconds as the manifest writes durations: "90s" when whole seconds, else "1500ms". */
export const manifestDuration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** environment as a map or a KEY=value list; null values are "take it from the shell". */
export function parseEnvironment(value: unknown): Record<string, string | number | boolean | null> {
  if (Array.isArray(value)) {
    const out: Record<string, string | null> = {};
    for (const item of value) {
      const text = String(item);
      const at = text.indexOf('=');
      if (at < 0) out[text] = null;
      else out[text.slice(0, at)] = text.slice(at + 1);
    }
    return out;
  }
  if (value && typeof value === 'object') return value as Record<string, string | number | boolean | null>;
  return {};
}

/** A command string split the way a shell would; undefined when it uses shell operators (pipes, &&, redirects). */
export function splitCommand(value: string): string[] | undefined {
  const words = parseShell(value, (name) => `$${name}`);
  return words.every((w): w is string => typeof w === 'string') ? words : undefined;
}
