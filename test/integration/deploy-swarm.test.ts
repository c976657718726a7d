// `portico deploy --target swarm`, `deploy status`, `deploy logs` and `undeploy` against the
// real engine, driven through the built CLI. The test joins a single-node swarm only when
// the engine is in none, and leaves it again (even on failure) only if it joined it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanup, docker, getThroughGateway, makeWorkspace, portico, randomProject } from './helpers/stack.js';

const KEY_ENV = 'SWARM_TEST_KEY';
const KEY = `k-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
/** A value of beta's env file (envFile:): in the service's env, in no generated file, never printed. */
const FILE_VALUE = `f-${Math.random().toString(36).slice(2)}`;
// Swarm's routing mesh needs IPVS in the kernel; without it (this CI VM) the gateway is
// published in host mode, one task per node. Everything else is the same.
const PUBLISH = existsSync('/proc/sys/net/ipv4/vs') ? 'ingress' : 'host';
const LOAD_MAX_REQUESTS = 20_000;
const LOAD_MAX_SECONDS = 60;

const byLabel = (project: string) => JSON.stringify({ label: [`dev.portico.project=${project}`] });

async function projectObjects(project: string) {
  const filters = byLabel(project);
  const [services, configs, secrets, networks] = await Promise.all([
    docker.listServices({ filters }),
    docker.listConfigs({ filters }),
    docker.listSecrets({ filters }),
    docker.listNetworks({ filters }),
  ]);
  return { services, configs, secrets, networks };
}

async function serviceVersions(project: string): Promise<Record<string, number>> {
  const { services } = await projectObjects(project);
  return Object.fromEntries(services.map((s) => [s.Spec!.Name!, s.Version!.Index!]));
}

/** Every file under dir that contains `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (sub: string) => {
    for (const entry of await readdir(sub, { withFileTypes: true })) {
      const full = path.join(sub, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (await readFile(full)).includes(needle)) hits.push(full);
    }
  };
  await walk(dir);
  return hits;
}

/** GETs `url` until `stop` resolves, bounded in count and time; counts everything but a 200 as failed. */
async function loadLoop(url: string, stop: Promise<unknown>) {
  let done = false;
  void stop.finally(() => (done = true));
  const deadline = Date.now() + LOAD_MAX_SECONDS * 1000;
  const result = { ok: 0, failed: 0, errors: {} as Record<string, number> };
  while (!done && Date.now() < deadline && result.ok + result.failed < LOAD_MAX_REQUESTS) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === 200) result.ok++;
      else (result.failed++, (result.errors[res.status] = (result.errors[res.status] ?? 0) + 1));
    } catch (error) {
      const code = String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name);
      result.failed++;
      result.errors[code] = (result.errors[code] ?? 0) + 1;
    }
  }
  return result;
}

describe(`portico deploy --target swarm (real engine, --publish ${PUBLISH})`, () => {
  const project = randomProject();
  const env = { [KEY_ENV]: KEY };
  let dir: string;
  let gatewayUrl: string;
  let joinedSwarm = false;
  let hadGwBridge = true;
  const outputs: string[] = [];
  const deploy = async (...extra: string[]) => {
    const r = await portico(dir, ['deploy', '--target', 'swarm', '--publish', PUBLISH, '--json', '--timeout', '240', ...extra], env);
    outputs.push(r.all ?? '');
    return r;
  };

  beforeAll(async () => {
    const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState !== 'active') {
      hadGwBridge = (await docker.listNetworks({ filters: JSON.stringify({ name: ['docker_gwbridge'] }) })).some((n) => n.Name === 'docker_gwbridge');
      await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
      joinedSwarm = true;
    }
    dir = await makeWorkspace(project);
    const manifestFile = path.join(dir, 'portico.yaml');
    const text = await readFile(manifestFile, 'utf8');
    await writeFile(
      manifestFile,
      text
        .replace(/^( {2}port: \d+)$/m, `$1\n  auth:\n    apiKeys: [{ name: ci, env: ${KEY_ENV} }]`)
        .replace('      - path: /api/beta\n', '      - path: /api/beta\n        auth: required\n')
        .replace('    template: node-express\n', '    template: node-express\n    envFile: .env.beta\n    mounts: [./services/beta:/mnt/beta-src:ro]\n'),
    );
    await writeFile(path.join(dir, '.env.beta'), `FROM_ENV_FILE=${FILE_VALUE}\n`);
  });

  afterAll(async () => {
    try {
      if (dir) await portico(dir, ['undeploy']);
      await cleanup(dir);
    } finally {
      if (joinedSwarm) {
        await docker.swarmLeave({ force: true });
        // `swarm init` created docker_gwbridge; leaving the swarm keeps it.
        if (!hadGwBridge) await docker.getNetwork('docker_gwbridge').remove().catch(() => undefined);
      }
    }
  });

  it('deploys registry, services (alpha with 2 replicas) and the gateway, reachable on 127.0.0.1', async () => {
    const r = await deploy();
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ project, target: 'swarm', ok: true, actions: { created: 4, updated: 0, unchanged: 0, removed: 0 } });
    gatewayUrl = doc.gateway.url;
    expect(gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const replicas = Object.fromEntries(doc.services.map((s: { service: string; replicas: { running: number } }) => [s.service, s.replicas.running]));
    expect(replicas).toEqual({ registry: 1, alpha: 2, beta: 1, gateway: PUBLISH === 'host' ? 1 : 2 });

    expect((await getThroughGateway(`${gatewayUrl}/api/alpha/items`)).status).toBe(200);
    expect((await fetch(`${gatewayUrl}/api/beta/items`)).status).toBe(401);
    // Running tasks are not yet registered and probed: wait for beta through the gateway, as for alpha.
    const withKey = await getThroughGateway(`${gatewayUrl}/api/beta/items`, 40, { 'x-api-key': KEY });
    expect(withKey.status).toBe(200);

    const objects = await projectObjects(project);
    expect(objects.networks.map((n) => n.Name)).toEqual([`${project}_swarm`]);
    expect(objects.configs.map((c) => c.Spec!.Name).sort()).toEqual([expect.stringMatching(`^${project}-discovery-json-`), expect.stringMatching(`^${project}-gateway-json-`)]);
    expect(objects.secrets.map((s) => s.Spec!.Name)).toEqual([expect.stringMatching(`^${project}-swarm-test-key-[0-9a-f]{12}$`)]);
    // Labels as locally, on the services and on their task containers.
    for (const s of objects.services) {
      expect(s.Spec!.Labels).toMatchObject({ 'dev.portico.project': project, 'dev.portico.config-hash': expect.any(String), 'dev.portico.version': expect.any(String) });
      const spec = s.Spec!.TaskTemplate as { ContainerSpec: { Labels: Record<string, string>; Healthcheck?: unknown; Env?: string[] } };
      expect(spec.ContainerSpec.Labels['dev.portico.service']).toBe(s.Spec!.Labels!['dev.portico.service']);
      // Docker answers with Go's field name, Healthcheck.
      expect(spec.ContainerSpec.Healthcheck, s.Spec!.Name).toBeDefined();
      expect(JSON.stringify(spec.ContainerSpec.Env ?? [])).not.toContain(KEY);
    }
    const alpha = objects.services.find((s) => s.Spec!.Name === `${project}-alpha`)!;
    expect(alpha.Spec!.UpdateConfig).toMatchObject({ Order: 'start-first', FailureAction: 'rollback', Parallelism: 1 });
    // beta's env file value is in its env; its mount is a read-only bind, the service pinned to
    // this node; and its task runs (Docker accepted the bind).
    const beta = objects.services.find((s) => s.Spec!.Name === `${project}-beta`)!;
    const betaTask = beta.Spec!.TaskTemplate as { ContainerSpec: { Env?: string[]; Mounts?: unknown[] }; Placement?: { Constraints?: string[] } };
    expect(betaTask.ContainerSpec.Env).toContain(`FROM_ENV_FILE=${FILE_VALUE}`);
    expect(betaTask.ContainerSpec.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: path.join(dir, 'services/beta'), Target: '/mnt/beta-src', ReadOnly: true }));
    const nodeId = ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    expect(betaTask.Placement?.Constraints).toEqual([`node.id==${nodeId}`]);
    expect((alpha.Spec!.TaskTemplate as typeof betaTask).Placement?.Constraints ?? []).toEqual([]);
  });

  it('keeps the secret value out of every workspace file and out of the output', async () => {
    expect(await filesContaining(dir, KEY)).toEqual([]);
    for (const out of outputs) expect(out).not.toContain(KEY);
    expect(await filesContaining(dir, FILE_VALUE)).toEqual([path.join(dir, '.env.beta')]);
    for (const out of outputs) expect(out).not.toContain(FILE_VALUE);
  });

  it('deploy status --json shows desired and running tasks and the update state', async () => {
    const r = await portico(dir, ['deploy', 'status', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['project', 'target', 'gateway', 'services']);
    expect(doc.gateway.url).toBe(gatewayUrl);
    expect(doc.services.map((s: { service: string }) => s.service)).toEqual(['alpha', 'beta', 'registry', 'gateway'].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)));
    for (const s of doc.services) {
      expect(Object.keys(s)).toEqual(['service', 'name', 'image', 'replicas', 'mode', 'update', 'tasks']);
      expect(s.replicas.running).toBe(s.replicas.desired);
      // Tasks of a global service (the gateway with --publish host) have no slot.
      const slot = s.mode === 'global' ? null : expect.any(Number);
      expect(s.tasks[0]).toEqual({ id: expect.any(String), slot, state: 'running', desiredState: 'running', error: null });
    }
  });

  it('a second deploy with nothing changed changes nothing (no service version moves)', async () => {
    const before = await serviceVersions(project);
    const r = await deploy();
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout).actions).toEqual({ created: 0, updated: 0, unchanged: 4, removed: 0 });
    expect(await serviceVersions(project)).toEqual(before);
  });

  it('a changed service rolls with zero failed requests through the gateway', async () => {
    const before = await serviceVersions(project);
    await appendFile(path.join(dir, 'services', 'alpha', 'src', 'app.ts'), '\n// changed by the swarm test\n');
    const started = Date.now();
    const rolling = deploy();
    const load = await loadLoop(`${gatewayUrl}/api/alpha/items`, rolling);
    const r = await rolling;
    expect(r.exitCode, r.all).toBe(0);
    console.log(`rolling update of alpha (2 replicas) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${load.ok} requests ok, ${load.failed} failed ${JSON.stringify(load.errors)}`);
    // deploy returned (and the load loop stopped) only once both tasks of the new spec ran.
    const alpha = await docker.getService(`${project}-alpha`).inspect();
    const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [alpha.ID] }) })) as { DesiredState: string; Status: { State: string }; Spec: { ContainerSpec: { Image: string } } }[];
    const live = tasks.filter((t) => t.DesiredState === 'running');
    expect(live.map((t) => [t.Status.State, t.Spec.ContainerSpec.Image])).toEqual([0, 1].map(() => ['running', alpha.Spec.TaskTemplate.ContainerSpec.Image]));
    expect(tasks.filter((t) => t.DesiredState === 'shutdown').length).toBeGreaterThanOrEqual(2);
    expect(load.failed).toBe(0);
    expect(load.ok).toBeGreaterThan(50);
    const doc = JSON.parse(r.stdout);
    expect(doc.actions).toEqual({ created: 0, updated: 1, unchanged: 3, removed: 0 });
    const after = await serviceVersions(project);
    for (const [name, version] of Object.entries(before)) {
      if (name === `${project}-alpha`) expect(after[name]).toBeGreaterThan(version);
      else expect(after[name], name).toBe(version);
    }
  });

  it('deploy logs shows the output of the deployed services', async () => {
    const r = await portico(dir, ['deploy', 'logs', 'alpha', '--tail', '20']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`${project}-alpha |`);
  });

  it('a service whose new tasks fail makes deploy exit 1 with the task error, and Swarm rolls it back', async () => {
    const manifestFile = path.join(dir, 'portico.yaml');
    const good = await readFile(manifestFile, 'utf8');
    await writeFile(manifestFile, good.replace('    template: node-express\n', '    template: node-express\n    command: ["node", "-e", "process.exit(3)"]\n'));
    try {
      const r = await deploy('--timeout', '90');
      expect(r.exitCode, r.all).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.error.message).toMatch(new RegExp(`^${project}-beta did not converge: .*(non-zero exit \\(3\\)|rollback)`));
      expect(doc.error.details.status.services.map((x: { service: string }) => x.service)).toContain('beta');
      // The old tasks kept serving, and Swarm puts the previous spec back.
      expect((await fetch(`${gatewayUrl}/api/beta/items`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
      await expect
        .poll(async () => (await docker.getService(`${project}-beta`).inspect()).UpdateStatus?.State, { timeout: 60_000, interval: 1000 })
        .toBe('rollback_completed');
    } finally {
      await writeFile(manifestFile, good);
    }
  });

  it('undeploy removes every service, config, secret and network with the project label', async () => {
    const r = await portico(dir, ['undeploy', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.removed.services).toHaveLength(4);
    expect(doc.removed.networks).toEqual([`${project}_swarm`]);
    const left = await projectObjects(project);
    expect({ services: left.services.length, configs: left.configs.length, secrets: left.secrets.length, networks: left.networks.length }).toEqual({ services: 0, configs: 0, secrets: 0, networks: 0 });
    // Swarm removes the stopped task containers on its own, shortly after.
    await expect.poll(async () => (await docker.listContainers({ all: true, filters: byLabel(project) })).length, { timeout: 30_000, interval: 500 }).toBe(0);
  });
});

const rank = (service: string) => (service === 'registry' ? 0 : service === 'gateway' ? 2 : 1);
