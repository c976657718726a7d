// `portico quickstart --yes` end to end on the real Docker engine, through the built CLI:
// every curl command it prints answers 200 (the protected one 401 without its key), a second
// run reuses the workspace, and `portico down` leaves nothing labelled behind.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, freePort, root } from '../integration/helpers/stack.js';

const project = `qs${randomBytes(3).toString('hex')}`;
const LABEL = `dev.portico.project=${project}`;

let work: string;
let dir: string;

/** The built CLI as a pipeline runs it: CI set, no terminal (colour comes only from a TTY). */
function portico(args: string[], cwd: string, env: Record<string, string | undefined> = { NO_COLOR: '1' }) {
  return execa('node', [bin, ...args], {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { CI: 'true', npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', ...env },
  });
}

const ANSI = /\u001b\[/;
/** No NO_COLOR and no FORCE_COLOR, as on GitHub Actions: colour must still be off (no TTY). */
const ciEnv = { NO_COLOR: undefined, FORCE_COLOR: undefined, GITHUB_ACTIONS: 'true' };

/** stdout is exactly one JSON document. */
function oneJson(stdout: string): any {
  expect(stdout.trim().startsWith('{') || stdout.trim().startsWith('[')).toBe(true);
  return JSON.parse(stdout);
}

async function labelled(kind: 'ps' | 'network'): Promise<string[]> {
  const args = kind === 'ps' ? ['ps', '-aq', '--filter', `label=${LABEL}`] : ['network', 'ls', '-q', '--filter', `label=${LABEL}`];
  return (await execa('docker', args)).stdout.split('\n').filter(Boolean);
}

/** Runs a printed command through a shell, the way a user pastes it; returns the HTTP status. */
async function statusOf(command: string): Promise<number> {
  const r = await execa('bash', ['-c', `${command} --silent --output /dev/null --write-out '%{http_code}' --max-time 10`], { reject: false });
  return Number(r.stdout);
}

beforeAll(async () => {
  await execa('npm', ['run', 'build'], { cwd: root });
  work = await mkdtemp(path.join(os.tmpdir(), 'portico-quickstart-'));
  dir = path.join(work, project);
});

afterAll(async () => {
  // Whatever happened, remove what this test's project created, and only that.
  if (dir) await portico(['down'], dir).catch(() => undefined);
  const containers = await labelled('ps').catch(() => []);
  if (containers.length) await execa('docker', ['rm', '-f', ...containers], { reject: false });
  const networks = await labelled('network').catch(() => []);
  if (networks.length) await execa('docker', ['network', 'rm', ...networks], { reject: false });
  // The service images are this project's own (portico/<project>-<service>); runtime images are shared.
  const images = (await execa('docker', ['images', '-q', '--filter', `label=${LABEL}`], { reject: false })).stdout.split('\n').filter(Boolean);
  if (images.length) await execa('docker', ['rmi', '-f', ...new Set(images)], { reject: false });
  if (work) await rm(work, { recursive: true, force: true });
});

describe('portico quickstart', () => {
  it('refuses a non-empty directory that is not its own (exit 2) and writes nothing there', async () => {
    const foreign = path.join(work, 'foreign');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'notes.txt'), 'mine\n');
    const r = await portico(['quickstart', 'foreign', '--yes', '--no-up'], work);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not a quickstart workspace');
    expect(await readdir(foreign)).toEqual(['notes.txt']);
  });

  it('builds the demo, starts it, and every printed curl command works', async () => {
    const port = await freePort();
    const r = await portico(['quickstart', project, '--yes', '--port', String(port)], work);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Gateway: http://127.0.0.1:${port}`);
    expect(r.stdout).toContain(`cd ${project} && portico down`);

    // The key lives in .env (owner-only), the manifest names only its env var.
    const keyEnv = `${project.toUpperCase()}_API_KEY`;
    const env = await readFile(path.join(dir, '.env'), 'utf8');
    const key = new RegExp(`^${keyEnv}=(.+)$`, 'm').exec(env)?.[1];
    expect(key).toBeTruthy();
    expect((await stat(path.join(dir, '.env'))).mode & 0o077).toBe(0);
    const manifest = await readFile(path.join(dir, 'portico.yaml'), 'utf8');
    expect(manifest).toContain(keyEnv);
    expect(manifest).not.toContain(key!);

    const curls = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('curl '));
    expect(curls).toHaveLength(2);
    for (const command of curls) {
      expect(command).toContain(`http://127.0.0.1:${port}/`);
      expect(await statusOf(command), command).toBe(200);
    }
    const protectedCommand = curls.find((c) => c.includes('x-api-key'))!;
    expect(protectedCommand).toContain(key!);
    expect(await statusOf(protectedCommand.replace(/-H "x-api-key: [^"]*" /, ''))).toBe(401);
    expect(await statusOf(protectedCommand.replace(key!, 'wrong-key'))).toBe(401);
  });

  it('run again on its own workspace: reuses it and starts nothing new', async () => {
    const before = (await labelled('ps')).sort();
    expect(before.length).toBeGreaterThan(0);
    const r = await portico(['quickstart', project, '--yes'], work);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('already exists: reusing it');
    expect((await labelled('ps')).sort()).toEqual(before);
  });

  it('in CI: --json commands print one document on stdout, nothing is coloured without a TTY', async () => {
    const status = await portico(['status', '--json'], dir, ciEnv);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = oneJson(status.stdout);
    expect(doc.project).toBe(project);
    expect(doc.services.map((s: { name: string }) => s.name).sort()).toEqual(['catalog', 'gateway', 'orders', 'registry']);

    const up = await portico(['up', '--json'], dir, ciEnv);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(oneJson(up.stdout).actions).toMatchObject({ created: 0, recreated: 0 });
    expect(up.stderr).not.toMatch(ANSI);

    const doctor = await portico(['doctor', '--json'], dir, ciEnv);
    expect(oneJson(doctor.stdout)).toHaveProperty('checks');
    expect(doctor.stderr).toMatch(/✔ docker .*\n[\s\S]*(ready for|not ready)/); // the report for people, on stderr

    const validate = await portico(['validate', '--json'], dir, ciEnv);
    expect(oneJson(validate.stdout)).toMatchObject({ valid: true });
    const templates = await portico(['templates', '--json'], dir, ciEnv);
    expect(oneJson(templates.stdout).map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining(['node-fastify', 'node-express']));

    const human = await portico(['status'], dir, ciEnv);
    for (const r of [status, up, doctor, validate, templates, human]) {
      expect(r.stdout + r.stderr).not.toMatch(ANSI);
    }
  });

  it('`portico down --json` leaves no labelled containers or networks', async () => {
    const r = await portico(['down', '--json'], dir, ciEnv);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(oneJson(r.stdout).project).toBe(project);
    expect(await labelled('ps')).toEqual([]);
    expect(await labelled('network')).toEqual([]);
  });
});
