// `portico deploy [--target swarm] [--timeout s] [--build] [--push <registry>] [--gateway-replicas n] [--json]`,
// `portico deploy status [--json]` and `portico deploy logs [service...] [-f] [--tail n]`.
import { VERSION } from '../../core/version.js';
import { usageError } from '../../core/errors.js';
import { parseTail, pickServices } from '../log-selection.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { getSwarmClient } from '../../engine/swarm/dockerode-swarm-client.js';
import { deployToSwarm, type DeployResult } from '../../engine/swarm/deploy.js';
import { collectSwarmStatus, type SwarmStatus } from '../../engine/swarm/status.js';
import { LABEL, projectFilter } from '../../compile/labels.js';
import { pipePrefixed, prefixer } from '../../engine/logs/follow.js';
import { findProject } from '../../engine/workspace.js';
import { DEFAULT_GATEWAY_REPLICAS, PUBLISH_MODES, type PublishMode } from '../../compile/swarm-plan.js';
import { parseTimeout } from './up.js';

export const DEPLOY_TARGETS = ['swarm'] as const;

export interface DeployOptions {
  target?: string;
  timeout?: string;
  build?: boolean;
  push?: string;
  gatewayReplicas?: string;
  publish?: string;
  json?: boolean;
}

export function parseReplicas(value: string | undefined): number {
  const n = Number(value ?? DEFAULT_GATEWAY_REPLICAS);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw usageError(`--gateway-replicas must be a whole number from 1 to 20, got "${value}".`);
  return n;
}

export async function run(options: DeployOptions, ctx: CommandContext): Promise<number> {
  const target = options.target ?? 'swarm';
  if (!(DEPLOY_TARGETS as readonly string[]).includes(target)) {
    throw usageError(`unknown deploy target "${target}".`, `Targets: ${DEPLOY_TARGETS.join(', ')}. For Kubernetes and Compose, see \`portico export\`.`);
  }
  const timeoutMs = parseTimeout(options.timeout);
  const gatewayReplicas = parseReplicas(options.gatewayReplicas);
  const publish = (options.publish ?? 'ingress') as PublishMode;
  if (!PUBLISH_MODES.includes(publish)) throw usageError(`--publish must be ${PUBLISH_MODES.join(' or ')}, got "${options.publish}".`);
  if (options.push !== undefined && !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/i.test(options.push)) {
    throw usageError(`--push needs a registry address like registry.example.com:5000 or ghcr.io/team, got "${options.push}".`);
  }
  const docker = await getDockerClient();
  const swarm = await getSwarmClient();
  const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
  const out = options.json ? ctx.stderr : ctx.stdout;
  const result = await deployToSwarm({
    docker,
    swarm,
    loaded,
    version: VERSION,
    env: ctx.env,
    timeoutMs,
    build: options.build ?? false,
    push: options.push,
    gatewayReplicas,
    publish,
    signal: ctx.signal,
    say: (line) => out.write(`${line}\n`),
  });
  if (options.json) ctx.stdout.write(JSON.stringify(toJson(result), null, 2) + '\n');
  else printDeploy(result, ctx);
  return 0;
}

function toJson(r: DeployResult) {
  return { ...r.status, ok: true, actions: r.actions, changes: r.services, images: r.images.map(({ key, ref, outcome }) => ({ key, ref, outcome })), removed: r.removed };
}

function printDeploy(r: DeployResult, ctx: CommandContext) {
  const p = paint(ctx.color);
  const a = r.actions;
  const parts = [a.created && `${a.created} created`, a.updated && `${a.updated} updated`, a.removed && `${a.removed} removed`, a.unchanged && `${a.unchanged} unchanged`].filter(Boolean);
  ctx.stdout.write(`${p.green('✔')} ${r.status.project} on swarm: ${parts.join(', ') || 'nothing to do'}\n`);
  ctx.stdout.write(`Gateway: ${p.bold(r.status.gateway.url ?? '(not published)')} (published on every interface of the swarm's nodes)\n`);
}

/** `portico deploy status [--json]` */
export async function status(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const swarm = await getSwarmClient();
  const { project } = await findProject(ctx.cwd);
  const doc = await collectSwarmStatus(swarm, project);
  if (options.json) {
    ctx.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return 0;
  }
  printStatus(doc, ctx);
  return 0;
}

function printStatus(doc: SwarmStatus, ctx: CommandContext) {
  const p = paint(ctx.color);
  if (doc.services.length === 0) {
    ctx.stdout.write(`${doc.project}: not deployed (\`portico deploy\` deploys it)\n`);
    return;
  }
  ctx.stdout.write(`${p.bold(doc.project)} on swarm  gateway ${doc.gateway.url ? p.bold(doc.gateway.url) : p.yellow('not published')}\n`);
  const rows = [['SERVICE', 'SWARM SERVICE', 'RUNNING', 'UPDATE', 'IMAGE']];
  for (const s of doc.services) rows.push([s.service, s.name, `${s.replicas.running}/${s.replicas.desired}`, s.update?.state ?? '-', s.image]);
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  rows.forEach((r, n) => {
    const line = r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd();
    ctx.stdout.write((n === 0 ? p.dim(line) : line) + '\n');
  });
  for (const s of doc.services) {
    for (const t of s.tasks.filter((t) => t.error)) ctx.stdout.write(`${p.yellow('note')} ${s.name} task ${t.slot ?? t.id} ${t.state}: ${t.error}\n`);
  }
}

/** `portico deploy logs [service...] [--follow] [--tail n]` */
export async function logs(options: { service?: string[]; follow?: boolean; tail?: string }, ctx: CommandContext): Promise<number> {
  const tail = parseTail(options.tail);
  const swarm = await getSwarmClient();
  const { project } = await findProject(ctx.cwd);
  const services = pickServices(await swarm.listServices(projectFilter(project)), options.service ?? [], { what: 'Swarm services', project, present: 'Deployed services', start: 'portico deploy' });
  if (services.length === 0) {
    ctx.stderr.write(`${project}: nothing deployed (\`portico deploy\` deploys it)\n`);
    return 0;
  }
  const prefix = prefixer(paint(ctx.color), services.map((s) => s.name));
  const streams = await Promise.all(services.map((s) => swarm.serviceLogs(s.id, { tail, follow: options.follow ?? false })));
  const stop = () => streams.forEach((s) => s.destroy());
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(streams.map((s, i) => pipePrefixed(s, prefix(services[i]!.name), (line) => ctx.stdout.write(line + '\n'))));
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
  return 0;
}
