// Semantic checks: what the schema cannot say on its own (names, collisions, references,
// cycles, features that need other settings). Each problem names the manifest path and says
// what to do. Pure: the template ids come in from the caller
// (scaffold/valid-manifest.ts lists the catalog), so this layer reads no templates folder.
import { RESERVED_SERVICE_NAMES, SERVICE_ENV } from '../runtime/contract/index.js';
import { ManifestError, type LoadedManifest, type ManifestProblem } from './load.js';
import { containerName, suggestDnsName } from './names.js';
import { normalizeRoutePath } from './routes.js';
import { toMs } from './units.js';
import { relativePathProblem } from './relative-path.js';
import { checkServiceFiles } from './check-service-files.js';
import { checkAi } from './validate-ai.js';
import { checkGatewayCaFiles } from './gateway-ca.js';
import { DNS_LABEL, type Manifest, type RouteSpec } from './schema.js';

export type ManifestPath = (string | number)[];
export interface SemanticProblem {
  path: ManifestPath;
  message: string;
}

/** Env vars `portico up` sets in every service container: a manifest value would be overwritten. */
const INJECTED_ENV = new Set<string>(Object.values(SERVICE_ENV));
/** Longest name Docker's embedded DNS resolves as one label. */
const MAX_DNS_LABEL = 63;

/** Runs every semantic check. `templateIds`: the templates the catalog knows. */
export function checkManifest(manifest: Manifest, templateIds: readonly string[]): SemanticProblem[] {
  return [
    ...checkServiceNames(manifest),
    ...checkSources(manifest, templateIds),
    ...checkRoutes(manifest),
    ...checkPorts(manifest),
    ...checkDependencies(manifest),
    ...checkAuth(manifest),
    ...checkCors(manifest),
    ...checkDurations(manifest),
    ...checkServiceDetails(manifest),
    ...checkServiceFiles(manifest),
    ...checkAi(manifest),
    ...checkGatewayCaFiles(manifest),
  ];
}

function checkServiceNames(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const [name, spec] of Object.entries(m.services)) {
    const at = ['services', name];
    if (!DNS_LABEL.test(name)) {
      const hint = suggestDnsName(name);
      problems.push({
        path: at,
        message:
          `service name "${name}" is not DNS-label safe: use 1-63 lowercase letters, digits and dashes, ` +
          `starting with a letter and not ending with a dash${hint ? ` (for example "${hint}")` : ''}.`,
      });
      continue;
    }
    if ((RESERVED_SERVICE_NAMES as readonly string[]).includes(name)) {
      problems.push({ path: at, message: `service name "${name}" is reserved for Portico's own container; rename the service (e.g. "${name}-svc").` });
      continue;
    }
    const longest = containerName(m.name, name, Math.max(spec.replicas, 1));
    if (longest.length > MAX_DNS_LABEL) {
      problems.push({
        path: at,
        message: `container name "${longest}" (project-service-replica) is ${longest.length} characters; DNS names allow ${MAX_DNS_LABEL}. Shorten the project or service name.`,
      });
    }
  }
  return problems;
}

function checkSources(m: Manifest, templateIds: readonly string[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const [name, spec] of Object.entries(m.services)) {
    // `template` with `build` is one source: a template service built from its own Dockerfile
    // (go-net-http); `template` then only says where the service came from.
    const sources = (['template', 'image', 'build'] as const).filter((k) => spec[k] !== undefined && !(k === 'template' && spec.build !== undefined));
    if (sources.length > 1) {
      problems.push({ path: ['services', name], message: `has ${sources.length === 2 ? 'both ' : ''}${sources.map((k) => `"${k}"`).join(' and ')}; keep one: "template" for a service built from its source folder, "build" for one built from its own Dockerfile, or "image" for a prebuilt image.` });
    } else if (sources.length === 0) {
      problems.push({ path: ['services', name], message: `needs "template" (built from services/${name}), "build" (its own Dockerfile, e.g. build: {}) or "image" (a prebuilt image such as redis:7).` });
    }
    if (spec.image === undefined && spec.template !== undefined && !templateIds.includes(spec.template)) {
      problems.push({
        path: ['services', name, 'template'],
        message: `unknown template "${spec.template}"; use one of: ${templateIds.join(', ') || '(none installed)'} (\`portico templates\` lists them).`,
      });
    }
  }
  return problems;
}

/** Two routes collide when one request could match both with equal specificity. */
function routesOverlap(a: RouteSpec, b: RouteSpec): boolean {
  if (normalizeRoutePath(a.path) !== normalizeRoutePath(b.path)) return false;
  const hostsOverlap = a.host === undefined || b.host === undefined || a.host.toLowerCase() === b.host.toLowerCase();
  const methodsOverlap = !a.methods || !b.methods || a.methods.some((x) => b.methods!.includes(x));
  return hostsOverlap && methodsOverlap;
}

function checkRoutes(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const seen: { service: string; index: number; route: RouteSpec }[] = [];
  for (const [service, spec] of Object.entries(m.services)) {
    spec.routes.forEach((route, index) => {
      const clash = seen.find((s) => routesOverlap(s.route, route));
      if (clash) {
        const other = clash.service === service ? `route ${clash.index} of this service` : `service "${clash.service}" (services.${clash.service}.routes.${clash.index})`;
        problems.push({
          path: ['services', service, 'routes', index, 'path'],
          message: `route ${route.path} collides with ${other}: same path prefix with overlapping host and methods, so the gateway cannot tell them apart. Give one route a different path, or distinct "host" or "methods".`,
        });
      }
      seen.push({ service, index, route });
    });
  }
  return problems;
}

function checkPorts(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const hostPorts = new Map<number, string>([[m.gateway.port, 'gateway.port']]);
  for (const [name, spec] of Object.entries(m.services)) {
    spec.expose.forEach((p, i) => {
      const at = ['services', name, 'expose', i];
      const owner = hostPorts.get(p);
      if (owner) {
        problems.push({ path: at, message: `host port ${p} is already used by ${owner}; every published port must be unique. Pick another port or remove one of them.` });
        return;
      }
      hostPorts.set(p, `services.${name}.expose`);
      if (spec.replicas > 1) {
        problems.push({ path: at, message: `port ${p} cannot be published by ${spec.replicas} replicas (each would bind it on 127.0.0.1). Use replicas: 1 for an exposed service, or reach it through the gateway.` });
      }
    });
  }
  return problems;
}

function checkDependencies(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const names = Object.keys(m.services);
  for (const [name, spec] of Object.entries(m.services)) {
    spec.dependsOn.forEach((dep, i) => {
      const at = ['services', name, 'dependsOn', i];
      if (dep === name) problems.push({ path: at, message: `service "${name}" depends on itself; remove "${dep}" from its dependsOn.` });
      else if (!names.includes(dep)) problems.push({ path: at, message: `depends on "${dep}", which is not a service in this manifest; use one of: ${names.filter((n) => n !== name).join(', ') || '(no other services)'}.` });
    });
  }
  const cycle = findCycle(m);
  if (cycle) {
    const [first, second] = cycle;
    problems.push({
      path: ['services', first!, 'dependsOn', m.services[first!]!.dependsOn.indexOf(second!)],
      message: `dependsOn forms a cycle: ${cycle.join(' -> ')}. Services start in dependency order, so remove one of these dependencies.`,
    });
  }
  return problems;
}

/** The first dependency cycle (e.g. [a, b, a]), ignoring self-dependencies reported separately. */
export function findCycle(m: Manifest): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of m.services[name]?.dependsOn ?? []) {
      if (dep === name || !(dep in m.services)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(m.services)) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

function checkAuth(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const { apiKeys, jwt } = m.gateway.auth;
  const names = new Set<string>();
  apiKeys.forEach((k, i) => {
    if (names.has(k.name)) problems.push({ path: ['gateway', 'auth', 'apiKeys', i, 'name'], message: `API key name "${k.name}" is used twice; key names must be unique (they appear in logs and metrics).` });
    names.add(k.name);
  });
  if (jwt && jwt.algorithms.includes('HS256') && !jwt.secretEnv) {
    problems.push({ path: ['gateway', 'auth', 'jwt', 'algorithms'], message: 'HS256 verifies with a shared secret: set gateway.auth.jwt.secretEnv, or use RS256/ES256 with jwksUrl.' });
  }
  const rateLimitNeeds = (by: string, at: ManifestPath) => {
    if (by === 'apiKey' && apiKeys.length === 0) problems.push({ path: at, message: 'rate limiting by apiKey needs API keys: add gateway.auth.apiKeys, or use by: ip.' });
    if (by === 'subject' && !jwt) problems.push({ path: at, message: 'rate limiting by subject needs JWT: configure gateway.auth.jwt, or use by: ip.' });
  };
  if (m.gateway.rateLimit) rateLimitNeeds(m.gateway.rateLimit.by, ['gateway', 'rateLimit', 'by']);
  for (const [name, spec] of Object.entries(m.services)) {
    spec.routes.forEach((route, i) => {
      const at = ['services', name, 'routes', i];
      if (route.auth !== 'none' && apiKeys.length === 0 && !jwt) {
        problems.push({ path: [...at, 'auth'], message: `auth: ${route.auth} needs credentials to check: add gateway.auth.apiKeys or gateway.auth.jwt, or set auth: none.` });
      }
      if (route.rateLimit) rateLimitNeeds(route.rateLimit.by, [...at, 'rateLimit', 'by']);
    });
  }
  return problems;
}

function checkCors(m: Manifest): SemanticProblem[] {
  const policies: [ManifestPath, Manifest['gateway']['cors'] | false | undefined][] = [[['gateway', 'cors'], m.gateway.cors]];
  for (const [name, spec] of Object.entries(m.services)) {
    spec.routes.forEach((r, i) => policies.push([['services', name, 'routes', i, 'cors'], r.cors]));
  }
  return policies
    .filter(([, cors]) => cors && cors.credentials && cors.origins.includes('*'))
    .map(([at]) => ({ path: at, message: 'credentials: true cannot be combined with origins ["*"] (browsers reject it); list the allowed origins explicitly.' }));
}

/** Durations that must be above zero for the feature to mean anything. */
function checkDurations(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const positive = (value: string | number | undefined, at: ManifestPath, what: string) => {
    if (value !== undefined && toMs(value) <= 0) problems.push({ path: at, message: `${what} must be longer than 0 (e.g. 10s).` });
  };
  positive(m.gateway.circuitBreaker.resetAfter, ['gateway', 'circuitBreaker', 'resetAfter'], 'the circuit-breaker reset time');
  positive(m.gateway.rateLimit?.per, ['gateway', 'rateLimit', 'per'], 'the rate-limit window');
  for (const [name, spec] of Object.entries(m.services)) {
    if (spec.health) {
      positive(spec.health.interval, ['services', name, 'health', 'interval'], 'the health-check interval');
      positive(spec.health.timeout, ['services', name, 'health', 'timeout'], 'the health-check timeout');
    }
    spec.routes.forEach((r, i) => {
      positive(r.cache?.ttl, ['services', name, 'routes', i, 'cache', 'ttl'], 'the cache ttl');
      if (r.rateLimit) positive(r.rateLimit.per, ['services', name, 'routes', i, 'rateLimit', 'per'], 'the rate-limit window');
    });
  }
  return problems;
}

/**
 * A source folder is built and bundled from the host, so it must stay inside the workspace,
 * written the same way on every OS (portico.yaml is shared through git).
 */
export function sourcePathProblem(p: string): string | undefined {
  return relativePathProblem(p, { what: 'service sources', example: 'services/orders' });
}

function checkServiceDetails(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  for (const [name, spec] of Object.entries(m.services)) {
    const pathProblem = spec.path === undefined ? undefined : sourcePathProblem(spec.path);
    if (pathProblem) problems.push({ path: ['services', name, 'path'], message: pathProblem });
    for (const key of Object.keys(spec.env)) {
      if (INJECTED_ENV.has(key)) {
        problems.push({ path: ['services', name, 'env', key], message: `${key} is set by Portico in every container and would be overwritten; remove it${key === 'PORT' ? ' (set services.' + name + '.port instead)' : ''}.` });
      }
    }
    spec.volumes.forEach((v, i) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*:\/\S*$/.test(v)) {
        problems.push({ path: ['services', name, 'volumes', i], message: `volume "${v}" must be a named volume as name:/absolute/path, e.g. data:/data.` });
      }
    });
  }
  return problems;
}

/** Semantic problems of a loaded manifest, with line and column. */
export function semanticProblems(loaded: LoadedManifest, templateIds: readonly string[]): ManifestProblem[] {
  return located(loaded, checkManifest(loaded.manifest, templateIds));
}

/** Problems with their line and column, top to bottom like the file. */
export function located(loaded: LoadedManifest, problems: SemanticProblem[]): ManifestProblem[] {
  return problems
    .map((p) => ({ path: p.path.join('.'), message: p.message, ...loaded.locate(p.path) }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The manifest, when it passes every semantic check; else ManifestError (exit 2) listing each problem with file:line:column. */
export function assertValidManifest(loaded: LoadedManifest, templateIds: readonly string[]): LoadedManifest {
  const problems = semanticProblems(loaded, templateIds);
  if (problems.length > 0) throw new ManifestError(loaded.file, problems);
  return loaded;
}
