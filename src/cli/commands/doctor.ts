// `portico doctor [--json]`: is this machine ready for `portico up`? Each failed check says
// how to fix it; exit 3 when something is not ready.
import { execa } from 'execa';
import type { CommandContext } from '../context.js';
import { ExitCode, PorticoError } from '../../core/errors.js';
import { paint } from '../ui/paint.js';
import { DOCKER_START_HINT, getDockerClient } from '../../engine/docker/dockerode-client.js';
import type { DockerClient } from '../../engine/docker/client.js';
import { hostRuntimeRef, slimRef } from '../../engine/images/runtime-image.js';
import { assertPortFree } from '../../engine/ports.js';
import { findProject } from '../../engine/workspace.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const MIN_NODE = [20, 18, 1] as const;

export function nodeVersionOk(version: string): boolean {
  const [a, b, c] = version.replace(/^v/, '').split('.').map(Number) as [number, number, number];
  return a !== MIN_NODE[0] ? a > MIN_NODE[0] : b !== MIN_NODE[1] ? b > MIN_NODE[1] : c >= MIN_NODE[2];
}

export async function run(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const checks: Check[] = [];
  checks.push({
    name: 'node',
    ok: nodeVersionOk(process.version),
    detail: `Node.js ${process.version}`,
    fix: `Install Node.js ${MIN_NODE.join('.')} or newer (https://nodejs.org, or \`nvm install 20\`).`,
  });

  let docker: DockerClient | undefined;
  try {
    docker = await getDockerClient();
    const v = await docker.version();
    checks.push({ name: 'docker', ok: true, detail: `Docker engine ${v.version} (API ${v.apiVersion}, ${v.os}/${v.arch})` });
  } catch (error) {
    checks.push({ name: 'docker', ok: false, detail: (error as Error).message, fix: DOCKER_START_HINT });
  }

  let project: Awaited<ReturnType<typeof findProject>> | undefined;
  try {
    project = await findProject(ctx.cwd);
  } catch {
    // Outside a workspace: check the defaults.
  }
  const manifest = project?.loaded?.manifest;
  const nodeImage = manifest?.runtime.nodeImage ?? 'auto';
  if (docker) checks.push(await runtimeImageCheck(docker, nodeImage));

  const bind = manifest?.gateway.bind ?? '127.0.0.1';
  const port = manifest?.gateway.port ?? 8080;
  if (docker) {
    try {
      await assertPortFree(docker, project?.project ?? '', bind, port);
      checks.push({ name: 'gateway-port', ok: true, detail: `${bind}:${port} is available to the gateway (free, or held by this project's own gateway)${project ? '' : ' (default; no portico.yaml here)'}` });
    } catch (error) {
      checks.push({ name: 'gateway-port', ok: false, detail: (error as Error).message, fix: error instanceof PorticoError ? error.hint : undefined });
    }
  }

  const ready = checks.every((c) => c.ok);
  if (options.json) ctx.stdout.write(JSON.stringify({ ready, checks }, null, 2) + '\n');
  // The report for people: on stderr with --json, so stdout stays one document.
  const out = options.json ? ctx.stderr : ctx.stdout;
  const p = paint(ctx.color);
  for (const c of checks) {
    out.write(`${c.ok ? p.green('✔') : p.red('✖')} ${c.name.padEnd(13)} ${c.detail}\n`);
    if (!c.ok && c.fix) out.write(`  ${p.dim('fix')} ${c.fix}\n`);
  }
  out.write(ready ? `${p.green('ready')} for \`portico up\`\n` : `${p.red('not ready')}: fix the items above\n`);
  return ready ? ExitCode.OK : ExitCode.ENVIRONMENT;
}

async function runtimeImageCheck(docker: DockerClient, nodeImage: string): Promise<Check> {
  const name = 'runtime-image';
  if (nodeImage !== 'auto') {
    return (await docker.imageId(nodeImage))
      ? { name, ok: true, detail: `${nodeImage} is present` }
      : { name, ok: true, detail: `${nodeImage} is not present; \`portico up\` will pull it` };
  }
  for (const ref of [slimRef(), hostRuntimeRef()]) {
    if (await docker.imageId(ref)) return { name, ok: true, detail: `${ref} is present` };
  }
  if (process.platform !== 'linux') {
    return { name, ok: true, detail: `${slimRef()} is not present; \`portico up\` will pull it (a registry must be reachable)` };
  }
  try {
    await execa('ldd', [process.execPath]);
    return { name, ok: true, detail: `${slimRef()} not present; \`portico up\` pulls it, or builds ${hostRuntimeRef()} from this host's node when no registry is reachable` };
  } catch {
    return {
      name,
      ok: false,
      detail: `${slimRef()} is not present and ldd is missing, so no runtime image can be built from the host node`,
      fix: `\`docker pull ${slimRef()}\` where a registry is reachable (or \`docker load\` it), or install ldd (package libc-bin).`,
    };
  }
}
