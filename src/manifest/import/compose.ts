// A docker-compose file (v2, v3 or the Compose Specification) -> portico.yaml text (pure).
// What maps is kept; every key that does not map becomes one warning naming the key and why
// (nothing is dropped silently). Imported services are prebuilt-image services: Portico
// builds only its own templates, so a `build:` becomes the image name to build it as.
import { Document, isMap, parseDocument, YAMLMap } from 'yaml';
import { usageError } from '../../core/errors.js';
import { RESERVED_SERVICE_NAMES, SERVICE_ENV } from '../../runtime/contract/index.js';
import { toDnsName } from '../names.js';
import { envVarName, type ManifestInput } from '../schema.js';
import { manifestDuration, parseComposeDuration, parseEnvironment, parsePort, parseVolume, splitCommand } from './compose-syntax.js';

export interface ImportWarning {
  /** Where in the compose file, e.g. services.web.privileged. */
  path: string;
  message: string;
}

export interface ComposeImport {
  /** The portico.yaml content, with a comment header listing what was not imported. */
  text: string;
  manifest: ManifestInput;
  warnings: ImportWarning[];
  /** compose service name -> Portico service name. */
  services: Record<string, string>;
}

export interface ImportOptions {
  /** The compose file's name, for messages. */
  file: string;
  /** Project name; else the compose `name:`; else `fallbackName`. */
  name?: string;
  fallbackName: string;
}

type ServiceInput = NonNullable<ManifestInput['services']>[string];
type HealthInput = NonNullable<ServiceInput['health']>;

/** Top-level keys that carry no setting of their own: nothing to keep, nothing lost. */
const INFORMATIONAL = new Set(['version']);
/** Env vars Portico sets in every container itself (a manifest value would be overwritten). */
const INJECTED_ENV = new Set<string>(Object.values(SERVICE_ENV));
const MAX_REPLICAS = 20;
const GATEWAY_PORT = 8080;

export function importCompose(text: string, options: ImportOptions): ComposeImport {
  // merge: compose files share settings through anchors and `<<: *defaults`.
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw usageError(`${options.file} is not valid YAML: ${e.message.split('\n')[0]}`, 'Fix the YAML (docker-compose config shows the same problem) and import again.');
  }
  const root = doc.toJS() as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw usageError(`${options.file} is not a compose file: its top level is not a mapping.`);
  const composeServices = root.services;
  if (!composeServices || typeof composeServices !== 'object' || Array.isArray(composeServices)) {
    throw usageError(
      `${options.file} has no "services:" mapping.`,
      'Portico imports compose files of format 2, 3 and the Compose Specification (services under "services:"); a version-1 file (services at the top level) needs "services:" around them first.',
    );
  }

  const warnings: ImportWarning[] = [];
  const warn = (path: string, message: string) => warnings.push({ path, message });

  for (const key of Object.keys(root)) {
    if (key === 'services' || key === 'volumes' || key === 'name' || INFORMATIONAL.has(key)) continue;
    if (key.startsWith('x-')) warn(key, 'extension field not imported (anchors that use it were resolved into the services).');
    else if (key === 'networks') warn(key, 'not imported: Portico puts every service on one network, <project>_net, where services reach each other by name.');
    else if (key === 'secrets' || key === 'configs') warn(key, `not imported: Portico has no ${key}; reference secrets by env var name (gateway.auth) and keep values in .env.`);
    else warn(key, 'no Portico equivalent; not imported.');
  }
  checkTopVolumes(root.volumes, warn);

  const rawName = options.name ?? (typeof root.name === 'string' ? root.name : undefined) ?? options.fallbackName;
  const project = toDnsName(rawName) || 'imported';
  if (project !== rawName) warn('name', `project name "${rawName}" is not a DNS label; using "${project}".`);

  // Names first: depends_on refers to services by their compose names.
  const names: Record<string, string> = {};
  const taken = new Set<string>();
  for (const composeName of Object.keys(composeServices)) {
    let name = toDnsName(composeName) || 'service';
    if ((RESERVED_SERVICE_NAMES as readonly string[]).includes(name)) name = `${name}-svc`;
    while (taken.has(name)) name = `${name}-2`;
    taken.add(name);
    names[composeName] = name;
    if (name !== composeName) warn(`services.${composeName}`, `renamed to "${name}" (service names are DNS labels and "gateway"/"registry" are Portico's own).`);
  }

  const services: Record<string, ServiceInput> = {};
  const usedHostPorts = new Set<number>();
  for (const [composeName, raw] of Object.entries(composeServices as Record<string, unknown>)) {
    const at = `services.${composeName}`;
    if (!raw || typeof raw !== 'object') {
      warn(at, 'is not a mapping; not imported.');
      continue;
    }
    const service = importService(composeName, raw as Record<string, unknown>, { at, project, names, warn });
    if (!service) continue;
    for (const p of service.expose ?? []) usedHostPorts.add(p);
    services[names[composeName]!] = service;
  }

  let gatewayPort = GATEWAY_PORT;
  while (usedHostPorts.has(gatewayPort)) gatewayPort++;
  const manifest: ManifestInput = { version: 1, name: project, gateway: { port: gatewayPort }, services };
  return { text: render(manifest, options.file, warnings), manifest, warnings, services: names };
}

interface ServiceContext {
  at: string;
  project: string;
  names: Record<string, string>;
  warn: (path: string, message: string) => void;
}

function importService(composeName: string, s: Record<string, unknown>, ctx: ServiceContext): ServiceInput | undefined {
  const { at, warn } = ctx;
  const name = ctx.names[composeName]!;
  const out: ServiceInput = {};
  const handled = new Set(['image', 'build', 'ports', 'expose', 'environment', 'env_file', 'depends_on', 'healthcheck', 'volumes', 'command', 'deploy', 'scale']);

  // image / build
  if (typeof s.image === 'string') out.image = s.image;
  if (s.build !== undefined) {
    const build = typeof s.build === 'string' ? { context: s.build } : (s.build as { context?: string; dockerfile?: string; args?: unknown; target?: string });
    const image = out.image ?? `${ctx.project}-${name}:latest`;
    const args = Object.entries(parseEnvironment(build.args))
      .map(([k, v]) => ` --build-arg ${k}${v === null ? '' : `=${String(v)}`}`)
      .join('');
    const command = `docker build -t ${image}${build.dockerfile ? ` -f ${build.dockerfile}` : ''}${build.target ? ` --target ${build.target}` : ''}${args} ${build.context ?? '.'}`;
    warn(`${at}.build`, `not imported: Portico builds only its own templates. The service uses the image ${image}; build it with \`${command}\`.`);
    out.image = image;
  }
  if (out.image === undefined) {
    warn(at, 'has neither image nor build; not imported.');
    return undefined;
  }

  // ports / expose -> port (the one the service listens on) and expose (published on 127.0.0.1)
  const published: number[] = [];
  const containerPorts: number[] = [];
  asList(s.ports).forEach((entry, i) => {
    const p = parsePort(entry);
    const where = `${at}.ports[${i}]`;
    if ('error' in p) return warn(where, `${JSON.stringify(entry)} ${p.error}; not imported.`);
    if (p.protocol !== 'tcp') return warn(where, `${p.protocol} is not supported (Portico publishes TCP only); not imported.`);
    containerPorts.push(p.container);
    if (p.host === undefined) return warn(where, `container port ${p.container} is published on a random host port in compose; Portico publishes it on 127.0.0.1:${p.container}.`);
    published.push(p.container);
    if (p.host !== p.container) warn(where, `host port ${p.host} is not kept: Portico publishes a container port on the same number (127.0.0.1:${p.container}).`);
    if (p.hostIp && p.hostIp !== '127.0.0.1') warn(where, `host address ${p.hostIp} is not kept: Portico publishes service ports on 127.0.0.1 only.`);
  });
  asList(s.expose).forEach((entry) => {
    const n = Number(String(entry).split('/')[0]);
    if (Number.isInteger(n)) containerPorts.push(n);
  });
  const ports = [...new Set(containerPorts)];
  const usual = wellKnownPort(out.image);
  if (ports.length > 0) out.port = ports[0];
  else if (usual !== undefined) {
    out.port = usual;
    warn(at, `declares no port; using ${usual}, the usual port of ${out.image} (the registry checks it over TCP).`);
  } else warn(at, `declares no port; Portico assumes 3000 (the registry checks it over TCP): set services.${name}.port.`);
  if (ports.length > 1) warn(`${at}.${s.ports ? 'ports' : 'expose'}`, `Portico checks and routes to one port per service: ${ports[0]}; ${ports.slice(1).join(', ')} only published, not checked.`);

  // replicas: deploy.replicas (v3/Spec) or scale (v2)
  const deploy = (s.deploy ?? {}) as Record<string, unknown>;
  const replicas = deploy.replicas ?? s.scale;
  if (replicas !== undefined) {
    const n = Number(replicas);
    if (!Number.isInteger(n) || n < 0) warn(`${at}.deploy.replicas`, `${String(replicas)} is not a number of replicas; not imported.`);
    else {
      out.replicas = Math.min(n, MAX_REPLICAS);
      if (n > MAX_REPLICAS) warn(`${at}.deploy.replicas`, `${n} is more than Portico runs locally (${MAX_REPLICAS}); using ${MAX_REPLICAS}.`);
    }
  }
  for (const key of Object.keys(deploy)) {
    if (key !== 'replicas') warn(`${at}.deploy.${key}`, 'no Portico equivalent (the local engine has no scheduler); not imported.');
  }
  const expose = [...new Set(published)];
  if (expose.length > 0 && (out.replicas ?? 1) > 1) {
    warn(`${at}.ports`, `not published: ${out.replicas} replicas cannot all bind the same host port; reach the service through the gateway.`);
  } else if (expose.length > 0) out.expose = expose;

  // environment / env_file
  const env: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(parseEnvironment(s.environment))) {
    const where = `${at}.environment.${key}`;
    if (!envVarName.safeParse(key).success) warn(where, 'is not an environment variable name Portico accepts; not imported.');
    else if (INJECTED_ENV.has(key)) warn(where, `Portico sets ${key} itself${key === 'PORT' ? ' (from services.' + name + '.port)' : ''}; not imported.`);
    else if (value === null || value === undefined) warn(where, 'takes its value from the shell in compose; the manifest holds values only — set it in portico.yaml if it is not a secret.');
    else {
      env[key] = value;
      if (typeof value === 'string' && value.includes('$')) warn(where, 'contains ${...}: Portico does not interpolate variables; the text is kept as written.');
    }
  }
  if (Object.keys(env).length > 0) out.env = env;
  if (s.env_file !== undefined) {
    const files = asList(s.env_file).map((f) => (typeof f === 'string' ? f : String((f as { path?: unknown }).path)));
    warn(`${at}.env_file`, `not imported (${files.join(', ')}): Portico has no env_file, and such files often hold secrets; copy non-secret values into services.${name}.env.`);
  }

  // depends_on: a list, or a map of conditions
  const deps: string[] = [];
  const dependsOn = s.depends_on;
  const depEntries: [string, Record<string, unknown>][] = Array.isArray(dependsOn)
    ? dependsOn.map((d) => [String(d), {}])
    : Object.entries((dependsOn ?? {}) as Record<string, Record<string, unknown> | null>).map(([k, v]) => [k, v ?? {}]);
  for (const [dep, options] of depEntries) {
    const where = `${at}.depends_on.${dep}`;
    const target = ctx.names[dep];
    if (!target) {
      warn(where, 'names no service of this file; not imported.');
      continue;
    }
    deps.push(target);
    const condition = options.condition;
    if (condition !== undefined && condition !== 'service_healthy') warn(`${where}.condition`, `${String(condition)} is not kept: Portico starts a service once what it depends on is healthy.`);
    for (const key of Object.keys(options)) if (key !== 'condition') warn(`${where}.${key}`, 'no Portico equivalent; not imported.');
  }
  if (deps.length > 0) out.dependsOn = deps;

  // healthcheck: the timings map; the test command does not
  if (s.healthcheck && typeof s.healthcheck === 'object') {
    const h = s.healthcheck as Record<string, unknown>;
    const health: HealthInput = {};
    const timing = (key: string, field: 'interval' | 'timeout' | 'startPeriod') => {
      if (h[key] === undefined) return;
      const ms = parseComposeDuration(h[key]);
      if (ms === undefined || ms <= 0) warn(`${at}.healthcheck.${key}`, `${String(h[key])} is not a duration; not imported.`);
      else health[field] = manifestDuration(ms);
    };
    timing('interval', 'interval');
    timing('timeout', 'timeout');
    timing('start_period', 'startPeriod');
    if (h.retries !== undefined) {
      if (Number.isInteger(h.retries) && (h.retries as number) > 0) health.retries = h.retries as number;
      else warn(`${at}.healthcheck.retries`, `${String(h.retries)} is not a positive number; not imported.`);
    }
    if (h.test !== undefined) {
      const test = Array.isArray(h.test) ? h.test.map(String) : String(h.test);
      warn(
        `${at}.healthcheck.test`,
        `${JSON.stringify(test)} is not imported: a prebuilt image keeps its own HEALTHCHECK under Portico, and the registry checks the service's port over TCP (the timings above are kept).`,
      );
    }
    if (h.disable === true) warn(`${at}.healthcheck.disable`, 'not imported: Portico always checks a service (TCP on its port for a prebuilt image).');
    for (const key of Object.keys(h)) {
      if (!['interval', 'timeout', 'start_period', 'retries', 'test', 'disable'].includes(key)) warn(`${at}.healthcheck.${key}`, 'no Portico equivalent; not imported.');
    }
    if (Object.keys(health).length > 0) out.health = health;
  }

  // volumes: named volumes map; binds, anonymous and tmpfs do not
  const volumes: string[] = [];
  asList(s.volumes).forEach((entry, i) => {
    const where = `${at}.volumes[${i}]`;
    const v = parseVolume(entry);
    if ('error' in v) return warn(where, `${JSON.stringify(entry)} ${v.error}; not imported.`);
    if (v.type === 'bind') return warn(where, `bind mount ${v.source}:${v.target} not imported: Portico mounts named volumes only (the image must contain the files).`);
    if (v.type === 'anonymous') return warn(where, `anonymous volume ${v.target} not imported: name it (name:${v.target}) to keep its data.`);
    if (v.type === 'other') return warn(where, `${v.kind} mount at ${v.target} not imported: Portico mounts named volumes only.`);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v.source!)) return warn(where, `volume name "${v.source}" is not one Docker accepts; not imported.`);
    volumes.push(`${v.source}:${v.target}`);
    if (v.readOnly) warn(where, 'read-only mode not kept: Portico mounts named volumes read-write.');
  });
  if (volumes.length > 0) out.volumes = volumes;

  // command: a list, or a string split as a shell would
  if (s.command !== undefined) {
    if (Array.isArray(s.command)) out.command = s.command.map(String);
    else {
      const words = splitCommand(String(s.command));
      if (words) out.command = words;
      else {
        out.command = ['/bin/sh', '-c', String(s.command)];
        warn(`${at}.command`, 'uses shell operators: kept as /bin/sh -c "<command>", which needs a shell in the image.');
      }
    }
  }

  for (const key of Object.keys(s)) {
    if (!handled.has(key)) warn(`${at}.${key}`, `no Portico equivalent; not imported.`);
  }
  return out;
}

function checkTopVolumes(volumes: unknown, warn: (path: string, message: string) => void): void {
  if (!volumes || typeof volumes !== 'object') return;
  for (const [name, def] of Object.entries(volumes as Record<string, unknown>)) {
    if (!def || typeof def !== 'object') continue;
    for (const key of Object.keys(def)) {
      warn(`volumes.${name}.${key}`, `not imported: Portico creates named volumes as <project>_${name} with the local driver.`);
    }
  }
}

/** Ports of images that everyone runs, for compose files that never say them (the port is implicit). */
const WELL_KNOWN_PORTS: Record<string, number> = { postgres: 5432, redis: 6379, mysql: 3306, mariadb: 3306, mongo: 27017, memcached: 11211, rabbitmq: 5672, nginx: 80, httpd: 80 };

function wellKnownPort(image: string): number | undefined {
  const repo = image.split('/').pop()!.replace(/[:@].*$/, '');
  return WELL_KNOWN_PORTS[repo];
}

const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function render(manifest: ManifestInput, file: string, warnings: ImportWarning[]): string {
  const doc = new Document(manifest);
  const header = [
    ' yaml-language-server: $schema=./.portico/portico.schema.json',
    ` Imported from ${file} by \`portico import compose\`. Imported services run their images as they are;`,
    ' add `routes:` to a service to reach it through the gateway, and `portico validate` after editing.',
  ];
  if (warnings.length > 0) {
    header.push('', ` Not imported (${warnings.length}):`, ...warnings.map((w) => `   ${w.path}: ${w.message}`));
  }
  doc.commentBefore = header.join('\n');
  const services = doc.get('services');
  if (isMap(services) && (services as YAMLMap).items.length === 0) (services as YAMLMap).flow = true;
  return doc.toString({ lineWidth: 0 });
}
