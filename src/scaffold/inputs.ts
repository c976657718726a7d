// Checks of what the user typed for `create` and `init`: each returns the parsed value or a
// one-paragraph usage error (exit 2) that says what to type instead. Pure.
import { usageError } from '../core/errors.js';
import { DNS_LABEL, routePath } from '../manifest/schema.js';
import { RESERVED_SERVICE_NAMES } from '../runtime/contract/index.js';
import { suggestDnsName } from '../manifest/names.js';

const NAME_RULE = '1-63 lowercase letters, digits and dashes, starting with a letter and not ending with a dash';

/** Message for a bad name, or undefined when it is fine (shared by flags and prompts). */
export function serviceNameProblem(name: string): string | undefined {
  if (name === '') return `the service name is empty. Use ${NAME_RULE}, e.g. "orders".`;
  if (!DNS_LABEL.test(name)) {
    const example = `"${suggestDnsName(name) ?? 'orders'}"`;
    const what = name.length > 63 ? `is ${name.length} characters long` : 'is not a DNS label';
    return `service name "${name}" ${what}: it becomes a folder, a container name and a hostname, so use ${NAME_RULE} (for example ${example}).`;
  }
  if ((RESERVED_SERVICE_NAMES as readonly string[]).includes(name)) {
    return `service name "${name}" is reserved for Portico's own ${name} container; choose another name (for example "${name}-svc").`;
  }
  return undefined;
}

export function checkServiceName(name: string): string {
  const problem = serviceNameProblem(name);
  if (problem) throw usageError(`${problem} Nothing was written.`);
  return name;
}

export function projectNameProblem(name: string): string | undefined {
  if (DNS_LABEL.test(name)) return undefined;
  return `project name "${name}" is not a DNS label: it prefixes every container and network, so use ${NAME_RULE}.`;
}

export function portProblem(raw: string): string | undefined {
  if (!/^\d+$/.test(raw.trim())) return `port "${raw}" is not a whole number; use a port between 1 and 65535, e.g. 3000.`;
  const n = Number(raw);
  if (n < 1 || n > 65535) return `port ${raw} is out of range; use a port between 1 and 65535, e.g. 3000.`;
  return undefined;
}

export function parsePort(raw: string): number {
  const problem = portProblem(raw);
  if (problem) throw usageError(`${problem} Nothing was written.`, 'Pass --port <n> with the port the service listens on inside its container.');
  return Number(raw);
}

export function parseReplicas(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 20) {
    throw usageError(`--replicas "${raw}" must be a whole number from 0 to 20. Nothing was written.`);
  }
  return n;
}

export function routeProblem(raw: string): string | undefined {
  if (!raw.startsWith('/')) return `route "${raw}" must start with "/", e.g. /${raw.replace(/^\/*/, '') || 'orders'}.`;
  if (!routePath.safeParse(raw).success) return `route "${raw}" contains characters that are not allowed in a URL path; use letters, digits, "-", "_", "." and "/".`;
  return undefined;
}

export function parseRoute(raw: string): string {
  const problem = routeProblem(raw);
  if (problem) throw usageError(`${problem} Nothing was written.`, 'Pass --route /<prefix>: the gateway forwards requests under that prefix to the service.');
  return raw;
}
