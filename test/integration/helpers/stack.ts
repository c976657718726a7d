// Helpers for real-engine tests: run the built CLI, make workspaces with `portico create`,
// find labelled resources, pick free ports.
import { execa, type ResultPromise } from 'execa';
import { createServer } from 'node:net';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { isIdleStandby } from '../../../src/engine/standby/spec.js';

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const bin = path.join(root, 'bin', 'portico.js');
export const docker = new Docker();

export const randomProject = () => `t${Math.random().toString(36).slice(2, 8).replace(/[^a-z0-9]/g, 'x')}`;

export function portico(cwd: string, args: string[], env: Record<string, string> = {}) {
  return execa('node', [bin, ...args], { cwd, reject: false, all: true, env: { CI: '1', NO_COLOR: '1', ...env } });
}

/** `portico up --json` that must succeed (else the error carries its whole output): its document. */
export async function upJson(cwd: string, timeoutSeconds = 120): Promise<any> {
  const up = await portico(cwd, ['up', '--json', '--timeout', String(timeoutSeconds)]);
  if (up.exitCode !== 0) throw new Error(`portico up exited ${up.exitCode}:\n${up.all}`);
  return JSON.parse(up.stdout);
}

export function spawnPortico(cwd: string, args: string[]): ResultPromise<{ reject: false; all: true; buffer: true }> {
  return execa('node', [bin, ...args], { cwd, reject: false, all: true, buffer: true, env: { CI: '1', NO_COLOR: '1' } });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function labelled(project: string) {
  const filters = JSON.stringify({ label: [`dev.portico.project=${project}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return { containers, networks };
}

/** container name -> id for a project (without `portico dev`'s idle standbys: see standbyIds). */
export async function containerIds(project: string, which: 'stack' | 'standbys' = 'stack'): Promise<Record<string, string>> {
  const { containers } = await labelled(project);
  const named = containers.map((c) => ({ name: c.Names[0]!.replace(/^\//, ''), labels: c.Labels, id: c.Id }));
  return Object.fromEntries(named.filter((c) => isIdleStandby(c) === (which === 'standbys')).map((c) => [c.name, c.id]));
}

/** name -> id of the idle standby containers `portico dev` keeps for a project. */
export const standbyIds = (project: string) => containerIds(project, 'standbys');

export async function setGatewayPort(dir: string, port: number) {
  const file = path.join(dir, 'portico.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/^  port: \d+$/m, `  port: ${port}`));
}

/** Arguments of `portico create` for makeWorkspace's default services. */
const DEFAULT_SERVICES = [
  ['alpha', '-t', 'node-fastify', '-r', '/api/alpha', '--replicas', '2'],
  ['beta', '-t', 'node-express', '-r', '/api/beta'],
];

/**
 * A workspace on a free gateway port with the services `portico create` makes from
 * `services` (each the arguments after `create`); by default two template services
 * (alpha: 2 replicas, fastify; beta: express).
 */
export async function makeWorkspace(project: string, services: string[][] = DEFAULT_SERVICES): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `portico-${project}-`));
  for (const args of [['init', '.', '--name', project, '-y'], ...services.map((s) => ['create', ...s, '-y'])]) {
    const r = await portico(dir, args);
    if (r.exitCode !== 0) throw new Error(`portico ${args.join(' ')} failed:\n${r.all}`);
  }
  await setGatewayPort(dir, await freePort());
  return dir;
}

/** A copy of a workspace under another project name (sources and installed deps included). */
export async function copyWorkspace(from: string, project: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `portico-${project}-`));
  await cp(from, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.portico`) });
  const file = path.join(dir, 'portico.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^name: .*$/m, `name: ${project}`));
  await setGatewayPort(dir, await freePort());
  return dir;
}

export async function cleanup(dir: string | undefined) {
  if (!dir) return;
  await portico(dir, ['down', '--volumes', '--remove-orphans']);
  const project = /^name: (\S+)$/m.exec(await readFile(path.join(dir, 'portico.yaml'), 'utf8').catch(() => ''))?.[1];
  if (project) await removeProjectImages(project);
  await rm(dir, { recursive: true, force: true });
}

/** The service images a test project built (labelled with its name); shared runtime images stay. */
export async function removeProjectImages(project: string) {
  const images = await docker.listImages({ filters: JSON.stringify({ label: [`dev.portico.project=${project}`] }) });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
}

/** GET through the gateway, retrying while the gateway learns about instances. */
export async function getThroughGateway(url: string, attempts = 40, headers: Record<string, string> = {}): Promise<Response> {
  let last: Response | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      last = await fetch(url, { headers, signal: AbortSignal.timeout(3000) });
      if (last.status === 200) return last;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (last) return last;
  throw new Error(`no answer from ${url}`);
}
