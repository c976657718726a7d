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
