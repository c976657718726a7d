// Validation of registrations: every rejection names its reason, and a rejected request
// changes nothing. Pure: the allowed networks are passed in (derived from the registry
// container's own interfaces by `networksFromInterfaces`).
import { BlockList, isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { registrationSchema, type Registration } from '../contract/index.js';

export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_METADATA_KEYS = 32;

/** A DNS label: service names (they become hostnames and route targets). */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Instance ids are container names: DNS labels joined by dots, case-insensitive. */
const DNS_NAME_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,62}$/;

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

export function validateServiceName(name: string): string | null {
  return DNS_LABEL.test(name) ? null : `service name "${truncate(name)}" must be a DNS label: lowercase letters, digits and "-", 1-63 characters, not starting or ending with "-"`;
}

export function validateInstanceId(id: string): string | null {
  return isDnsName(id) ? null : `instance id "${truncate(id)}" must be DNS-safe: letters, digits, "-" and ".", labels of 1-63 characters, at most 253 in all`;
}

function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => DNS_NAME_LABEL.test(label));
}

/** Where instances may live: loopback, the stack network's subnets, the project's container names. */
export interface AddressPolicy {
  subnets: BlockList;
  /** Human-readable list for error messages, e.g. ["172.20.0.0/16"]. */
  subnetNames: string[];
  /** Container names on the stack network start with `<project>-`. */
  project: string;
}

export function createAddressPolicy(project: string, cidrs: string[]): AddressPolicy {
  const subnets = new BlockList();
  const subnetNames: string[] = [];
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net ?? '');
    if (!net || family === 0 || bits === undefined) continue;
    subnets.addSubnet(net, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
    subnetNames.push(cidr);
  }
  return { subnets, subnetNames, project };
}

/**
 * The subnets of the registry container's own non-loopback interfaces: in a container attached
 * only to `<project>_net` that is exactly the stack network. IPv6 link-local is left out (it
 * is not routable between containers).
 */
export function networksFromInterfaces(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const cidrs: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal || !info.cidr) continue;
      if (info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80:')) continue;
      cidrs.push(networkOf(info.cidr));
    }
  }
  return [...new Set(cidrs)];
}

/** "172.20.0.5/16" -> "172.20.0.0/16" (IPv4); IPv6 CIDRs are used as given (BlockList masks them). */
function networkOf(cidr: string): string {
  const [address, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(address ?? '') !== 4) return cidr;
  const value = address!.split('.').reduce((acc, octet) => (acc << 8) + Number(octet), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const net = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (net >>> shift) & 255).join('.')}/${bits}`;
}

export function validateAddress(address: string, policy: AddressPolicy): string | null {
  const family = isIP(address);
  if (family !== 0) {
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (isLoopback(address, family)) return null;
    if (policy.subnets.check(address, type)) return null;
    const where = policy.subnetNames.length > 0 ? `the stack network (${policy.subnetNames.join(', ')})` : 'the stack network';
    return `address ${address} is neither loopback nor inside ${where}`;
  }
  const host = address.toLowerCase();
  if (host === 'localhost') return null;
  if (isDnsName(host) && host.startsWith(`${policy.project.toLowerCase()}-`)) return null;
  return `address "${truncate(address)}" must be an IP on the stack network, loopback, or a container name of project "${policy.project}" ("${policy.project}-...")`;
}

function isLoopback(address: string, family: number): boolean {
  if (family === 4) return address.startsWith('127.');
  const lower = address.toLowerCase();
  return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || lower.startsWith('::ffff:127.');
}

/** Parse and check a registration body. */
export function validateRegistration(body: unknown, policy: AddressPolicy): Validation<Registration> {
  const parsed = registrationSchema.strict().safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
    return { ok: false, reason: `${where}: ${issue.message}` };
  }
  const registration = parsed.data;
  const addressError = validateAddress(registration.address, policy);
  if (addressError) return { ok: false, reason: addressError };
  if (registration.healthPath !== undefined && !/^\/[\x21-\x7e]*$/.test(registration.healthPath)) {
    return { ok: false, reason: 'healthPath must start with "/" and contain only visible ASCII characters' };
  }
  const keys = Object.keys(registration.metadata ?? {});
  if (keys.length > MAX_METADATA_KEYS) return { ok: false, reason: `metadata has ${keys.length} keys; at most ${MAX_METADATA_KEYS}` };
  const badKey = keys.find((key) => !METADATA_KEY.test(key));
  if (badKey !== undefined) return { ok: false, reason: `metadata key "${truncate(badKey)}" must be 1-63 letters, digits, ".", "_", "/" or "-"` };
  return { ok: true, value: registration };
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}
