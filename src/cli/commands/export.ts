// `portico export kubernetes|compose [-o path] [--force] [--json] ...`: the stack of
// portico.yaml for engines built for it. The artefacts reference the images Portico builds, so
// the command first makes sure they exist (the same content-addressed build as `up`: after an
// `up` nothing is rebuilt). Pure exporters in compile/export/; this file is the I/O around them.
// With --json, stdout carries one document:
//   {"target", "output", "files": [..], "images": {key: ref}, "needsEnv": [..],
//    "secrets": [{name, keys, envFiles?}], "commands": [..], "notes": [..]}
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VERSION } from '../../core/version.js';
import { usageError } from '../../core/errors.js';
import { fileError } from '../../core/fs-error.js';
import type { CommandContext } from '../context.js';
import { paint } from '../ui/paint.js';
import { loadValidManifest } from '../../scaffold/valid-manifest.js';
import type { LoadedManifest } from '../../manifest/load.js';
import { compileGateway } from '../../compile/gateway.js';
import { compileDiscovery } from '../../compile/discovery.js';
import { gatewaySecretEnvNames, planStack } from '../../compile/plan.js';
import { writeGeneratedFiles } from '../../workspace/generated-files.js';
import { readGatewayCa } from '../../workspace/gateway-ca.js';
import { GATEWAY_CA_ARTIFACT, GENERATED_DIR } from '../../compile/generate.js';
import { exportCompose, renderComposeFile } from '../../compile/export/compose.js';
import { exportKubernetes, registryImages, renderKubernetesFiles, secretCommands, type KubernetesSecret } from '../../compile/export/kubernetes.js';
import { SERVICE_ENV } from '../../runtime/contract/index.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { ensureStackImages } from '../../engine/images/stack-images.js';
import { configDirOf } from '../../engine/workspace.js';
import { envFileNotes, withMountsResolved } from '../../engine/workspace-files.js';
import { envFilesOf } from '../../manifest/check-service-files.js';

export interface ExportOptions {
  target: 'kubernetes' | 'compose';
  output?: string;
  force?: boolean;
  json?: boolean;
  build?: boolean;
  host?: string;
  ingressClass?: string;
  httpRoute?: string;
  hpaMax?: string;
  registry?: string;
}

interface ExportResult {
  target: string;
  output: string;
  files: string[];
  images: Record<string, string>;
  needsEnv: string[];
  secrets: KubernetesSecret[];
  commands: string[];
  notes: string[];
}

export const DEFAULT_OUTPUT = { compose: 'docker-compose.yml', kubernetes: 'deploy/kubernetes' } as const;

export async function run(options: ExportOptions, ctx: CommandContext): Promise<number> {
  checkFlags(options);
  const loaded = await loadValidManifest(ctx.cwd, { env: ctx.env });
  const output = path.resolve(ctx.cwd, options.output ?? path.join(path.relative(ctx.cwd, loaded.dir), DEFAULT_OUTPUT[options.target]));
  // Before any build: nothing the user wrote is overwritten without --force.
  await refuseOverwrite(options.target, output, options.force ?? false);
  const docker = await getDockerClient();
  const err = (line: string) => ctx.stderr.write(`${line}\n`);
  const notes: string[] = [];
  const images = await ensureStackImages(docker, loaded, {
    version: VERSION,
    signal: ctx.signal,
    force: options.build,
    report: { info: (m) => notes.push(m), progress: (line) => err(`  ${line}`) },
  });
  const result = options.target === 'compose' ? await writeCompose(loaded, output, images.refs) : await writeKubernetes(loaded, output, images.refs, options);
  result.notes.unshift(...notes);
  if (options.json) ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printSummary(result, ctx);
  return 0;
}

function checkFlags(o: ExportOptions): void {
  const k8sOnly = (['host', 'ingressClass', 'httpRoute', 'hpaMax', 'registry'] as const).filter((k) => o[k] !== undefined);
  if (o.target === 'compose' && k8sOnly.length > 0) {
    throw usageError(`--${k8sOnly.map(kebab).join(', --')} ${k8sOnly.length === 1 ? 'is' : 'are'} for \`export kubernetes\` only.`, 'Run `portico export compose [-o file] [--force]`.');
  }
  if (o.hpaMax !== undefined && !/^[1-9]\d*$/.test(o.hpaMax)) throw usageError(`--hpa-max must be a whole number of replicas, got "${o.hpaMax}".`);
  if (o.httpRoute !== undefined && o.ingressClass !== undefined) throw usageError('--ingress-class and --http-route exclude each other: an HTTPRoute attaches to a Gateway, an Ingress to an ingress class.');
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function refuseOverwrite(target: ExportOptions['target'], output: string, force: boolean): Promise<void> {
  if (force || !existsSync(output)) return;
  if (target === 'kubernetes' && (await readdir(output).catch(() => ['(not a folder)'])).length === 0) return;
  throw usageError(`${output} already exists.`, `Pass --force to overwrite it, or -o to write somewhere else.`);
}

async function writeOut(file: string, content: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  } catch (error) {
    throw fileError(error, 'write', file, 'Choose another place with -o.');
  }
}

async function writeCompose(loaded: LoadedManifest, output: string, images: Record<string, string>): Promise<ExportResult> {
  const manifest = loaded.manifest;
  // The gateway and the registry mount .portico/: its files must match the manifest.
  await writeGeneratedFiles(loaded);
  const secrets = gatewaySecretEnvNames(manifest);
  const needsEnv = [SERVICE_ENV.registryToken, ...secrets];
  // Mount sources absolute for the plan (the exporter writes them relative to the compose
  // file); env files unread: compose reads them itself (env_file:), their values stay out.
  // Token and secret values are placeholders: the exporter writes ${NAME} for compose to fill in.
  const plan = planStack(withMountsResolved(loaded).manifest, compileDiscovery(manifest), {
    version: VERSION,
    configDir: configDirOf(loaded.dir),
    images,
    registryToken: 'from-environment',
    gatewayEnv: Object.fromEntries(secrets.map((name) => [name, 'from-environment'])),
    gatewayCa: await readGatewayCa(loaded),
  });
  const envFiles = envFilesByService(manifest);
  const exported = exportCompose(plan, { workspaceDir: loaded.dir, composeDir: path.dirname(output), envFiles, fromEnvironment: needsEnv });
  const file = path.basename(output);
  await writeOut(output, renderComposeFile(exported, manifest.name, file, needsEnv));
  return {
    target: 'compose',
    output,
    files: [output],
    images,
    needsEnv,
    secrets: [],
    commands: [
      `export ${SERVICE_ENV.registryToken}="$(cat .portico/state/registry-token 2>/dev/null || openssl rand -hex 24)"`,
      `docker-compose -p ${manifest.name} -f ${file} up -d`,
    ],
    notes: [
      `The gateway is published on ${manifest.gateway.bind}:${manifest.gateway.port}, as with \`portico up\`: stop one before starting the other.`,
      // Compose recreates a container when its definition changes, not when a mounted file does.
      ...(manifest.gateway.tls === undefined ? [] : [`The gateway trusts the CAs of gateway.tls.caFiles through ${GATEWAY_CA_ARTIFACT} (mounted with ${GENERATED_DIR}/); after changing a CA run \`docker-compose -p ${manifest.name} -f ${file} up -d --force-recreate gateway-1\`.`]),
      ...(await envFileNotes(loaded, 'compose')),
    ],
  };
}

async function writeKubernetes(loaded: LoadedManifest, output: string, images: Record<string, string>, o: ExportOptions): Promise<ExportResult> {
  const manifest = loaded.manifest;
  const exported = exportKubernetes(manifest, compileGateway(manifest), compileDiscovery(manifest), {
    images,
    host: o.host,
    ingressClass: o.ingressClass,
    httpRouteGateway: o.httpRoute,
    hpaMaxReplicas: o.hpaMax === undefined ? undefined : Number(o.hpaMax),
    gatewayCa: await readGatewayCa(loaded),
  });
  const pushes: string[] = [];
  if (o.registry) {
    const entries = registryImages(images, o.registry);
    exported.kustomization.images = entries;
    for (const ref of Object.values(images).filter((r) => r.startsWith('portico/'))) {
      const target = `${o.registry.replace(/\/+$/, '')}/${ref}`;
      pushes.push(`docker tag ${ref} ${target} && docker push ${target}`);
    }
  }
  const files = renderKubernetesFiles(exported);
  for (const f of files) await writeOut(path.join(output, f.name), f.content);
  return {
    target: 'kubernetes',
    output,
    files: files.map((f) => path.join(output, f.name)),
    images,
    needsEnv: exported.secrets.flatMap((s) => s.keys),
    secrets: exported.secrets,
    commands: [...pushes, ...secretCommands(exported.secrets), `kubectl apply -k ${path.relative(loaded.dir, output) || '.'}`],
    notes: [
      ...exported.notes,
      ...(await envFileNotes(loaded, 'kubernetes')),
      ...(o.registry ? [] : ['The cluster must be able to pull the portico/* images: load them into it (kind load docker-image, minikube image load) or pass --registry <prefix> and push them.']),
    ],
  };
}

const envFilesByService = (manifest: LoadedManifest['manifest']): Record<string, string[]> =>
  Object.fromEntries(Object.entries(manifest.services).map(([name, spec]) => [name, envFilesOf(spec)]));

function printSummary(r: ExportResult, ctx: CommandContext): void {
  const p = paint(ctx.color);
  const rel = (f: string) => path.relative(ctx.cwd, f) || f;
  for (const f of r.files) ctx.stdout.write(`${p.green('wrote')} ${rel(f)}\n`);
  for (const n of r.notes) ctx.stdout.write(`${p.yellow('note')} ${n}\n`);
  if (r.needsEnv.length > 0) ctx.stdout.write(`Needs these values (never written to the files): ${r.needsEnv.join(', ')}\n`);
  ctx.stdout.write(`Next:\n${r.commands.map((c) => `  ${c}`).join('\n')}\n`);
}
