// Free text (a folder name, a mistyped service name) made into a DNS label: the project name
// `init` derives from its folder, and the "for example ..." of name errors. Pure.
import { DNS_LABEL } from './schema.js';

/** `My Shop` -> `my-shop`, `Café` -> `cafe`; '' when nothing usable is left (e.g. `123`). */
export function toDnsName(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents split off by NFKD: é -> e
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** A DNS label close to `name` that differs from it, for error messages; undefined if none. */
export function suggestDnsName(name: string): string | undefined {
  const suggestion = toDnsName(name);
  return suggestion && suggestion !== name && DNS_LABEL.test(suggestion) ? suggestion : undefined;
}

// The Docker names the manifest's names become (DESIGN.md "Docker resources"). Here, below
// compile/ and engine/, because the semantic checks must know them too: a container name is
// the instance's DNS name, and DNS allows 63 characters.
export const networkName = (project: string) => `${project}_net`;
/** Container name of replica n (1-based); it is also the instance's DNS name on the network. */
export const containerName = (project: string, service: string, n: number) => `${project}-${service}-${n}`;
export const volumeName = (project: string, volume: string) => `${project}_${volume}`;
