// StackPlan -> a docker-compose.yml document (pure). The plan is what `portico up` creates,
// so the compose file is the same stack: one compose service per container (names without
// the project prefix), the same images, env, health checks, network aliases (the registry
// seeds instances by container name, which each compose service carries as an alias), the
// gateway published on the same host address and port, and depends_on with
// `condition: service_healthy` in the order `up` starts things.
//
// Compose format: the Compose Specification without a `version:` key, which Debian's
// docker-compose 1.29 and Docker Compose v2 both read (1.27+ treat a file without `version`
// as the Specification, where `condition: service_healthy` and `init` are allowed).
//
// Host paths (the .portico/ bind of the registry and the gateway, a service's `mounts:` and
// `envFile:`) are written relative to the compose file's folder when they are inside the
// workspace, so the workspace can move with its compose file; a mount outside it
// (allowOutside) is written absolute. Env files are referenced (`env_file:`), never read:
// their values stay out of the compose file.
import path from 'node:path';
import { Document } from 'yaml';
import type { ContainerPlan, StackPlan } from '../plan.js';

export interface ComposeExportOptions {
  /** Absolute path of the workspace (the folder of portico.yaml); the plan's bind sources are absolute. */
  workspaceDir: string;
  /** Absolute path of the folder the compose file is written to. */
  composeDir: string;
  /** The env files of each service as portico.yaml names them (relative to the workspace), in order. */
  envFiles: Record<string, string[]>;
  /**
   * Env var names whose values must come from the environment of whoever runs
   * `docker-compose` (secrets, the registry token): written as `${NAME:?...}`, never as values.
   */
  fromEnvironment: string[];
}

/** No top-level `name:`: docker-compose 1.29 rejects it; the project name is given with -p. */
export interface ComposeDocument {
  services: Record<string, ComposeService>;
  volumes?: Record<string, { name: string }>;
}

export interface ComposeService {
  image: string;
  init: true;
  command?: string[];
  /** Read by compose when it creates the container; `environment` wins over them, as `env` does in portico.yaml. */
  env_file?: string[];
  environment: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  depends_on?: Record<string, { condition: 'service_healthy' | 'service_started' }>;
  networks: { default: { aliases: string[] } };
}

/** Compose interpolates `$VAR` in every string: literal dollars are written `$$`. */
export const escapeCompose = (value: string) => value.replace(/\$/g, '$$$$');

const seconds = (ms: number) => `${ms / 1000}s`;

/** The compose service name of a planned container: its container name without `<project>-`. */
export function composeServiceName(plan: StackPlan, container: ContainerPlan): string {
  const prefix = `${plan.project}-`;
  return container.name.startsWith(prefix) ? container.name.slice(prefix.length) : container.name;
}

/**
 * A host path as the compose file spells it: relative to the compose file's folder (with ./ or
 * ../, which is how compose tells a path from a volume name) when it is inside the workspace,
 * absolute otherwise.
 */
export function composeHostPath(absolute: string, o: Pick<ComposeExportOptions, 'workspaceDir' | 'composeDir'>): string {
  const fromWorkspace = path.relative(o.workspaceDir, absolute);
  if (climbs(fromWorkspace) || path.isAbsolute(fromWorkspace)) return absolute;
  const relative = path.relative(o.composeDir, absolute).split(path.sep).join('/');
  if (relative === '') return '.';
  return climbs(relative) ? relative : `./${relative}`;
}

/** A relative path that starts in a parent folder ("..x" is a folder's name). */
const climbs = (relative: string) => relative === '..' || relative.startsWith('../') || relative.startsWith(`..${path.sep}`);

export function exportCompose(plan: StackPlan, options: ComposeExportOptions): ComposeDocument {
  const fromEnv = new Set(options.fromEnvironment);
  const byService = new Map<string, ContainerPlan[]>();
  for (const c of plan.containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const registry = plan.containers.find((c) => c.role === 'registry');

  const services: Record<string, ComposeService> = {};
  for (const c of plan.containers) {
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.env)) {
      environment[k] = fromEnv.has(k) ? `\${${k}:?${k} must be set in the environment of docker-compose}` : escapeCompose(v);
    }
    const depends: Record<string, { condition: 'service_healthy' | 'service_started' }> = {};
    // Everything but the registry needs the registry first (services register, the gateway watches).
    if (c.role !== 'registry' && registry) depends[composeServiceName(plan, registry)] = { condition: 'service_healthy' };
    for (const dep of c.dependsOn) {
      for (const d of byService.get(dep) ?? []) {
        // A prebuilt image without a health check can only be waited for as started.
        depends[composeServiceName(plan, d)] = { condition: d.health ? 'service_healthy' : 'service_started' };
      }
    }
    const hostPath = (absolute: string) => escapeCompose(composeHostPath(absolute, options));
    const envFiles = c.role === 'service' ? (options.envFiles[c.service] ?? []) : [];
    const volumes = [
      ...c.binds.map((b) => `${hostPath(b.source)}:${b.target}${b.readOnly ? ':ro' : ''}`),
      ...c.volumes.map((v) => `${v.name}:${v.target}`),
    ];
    services[composeServiceName(plan, c)] = {
      image: c.image,
      init: true,
      ...(c.cmd ? { command: c.cmd.map(escapeCompose) } : {}),
      ...(envFiles.length > 0 ? { env_file: envFiles.map((f) => hostPath(path.resolve(options.workspaceDir, f))) } : {}),
      environment,
      ...(c.ports.length > 0 ? { ports: c.ports.map((p) => `${p.hostIp}:${p.hostPort}:${p.containerPort}`) } : {}),
      ...(volumes.length > 0 ? { volumes } : {}),
      ...(c.health
        ? {
            healthcheck: {
              test: c.health.test.map(escapeCompose),
              interval: seconds(c.health.intervalMs),
              timeout: seconds(c.health.timeoutMs),
              retries: c.health.retries,
              start_period: seconds(c.health.startPeriodMs),
            },
          }
        : {}),
      ...(Object.keys(depends).length > 0 ? { depends_on: depends } : {}),
      // The container name too: discovery.json seeds instances (and the gateway's static
      // fallback) by it, exactly as on the network `up` creates.
      networks: { default: { aliases: [...new Set([...c.aliases, c.name])] } },
    };
  }
  const doc: ComposeDocument = { services };
  if (plan.volumes.length > 0) {
    // Same volume names as `up` (<project>_<name>): data carries over between the two.
    doc.volumes = Object.fromEntries(plan.volumes.map((v) => [v.name, { name: v.name }]));
  }
  return doc;
}

/** The compose file's text: a header saying where it came from and what it needs, then the document. */
export function renderComposeFile(doc: ComposeDocument, project: string, file: string, needsEnv: string[]): string {
  const document = new Document(doc);
  document.commentBefore = [
    ' Generated by `portico export compose` from portico.yaml: the stack `portico up` runs.',
    ' The images are the ones Portico built; run the export again after changing the manifest or a service.',
    ` Needs in the environment of docker-compose (or in .env next to this file): ${needsEnv.join(', ')}`,
    ` Run: docker-compose -p ${project} -f ${file} up -d    Stop: docker-compose -p ${project} -f ${file} down`,
  ].join('\n');
  return document.toString({ lineWidth: 0 });
}
