// The registry acceptance scenario of issue 5 on a real Docker engine, shared by
// test/integration/registry-acceptance.test.ts (which asserts on it) and
// bench/sections/registry.mjs (which reports its timings):
//
//   a template service `echo` at 2 replicas behind the gateway, a bounded GET load running;
//   1. `docker kill` one replica: no request fails, the registry marks it critical within
//      2 probe intervals;
//   2. start a third replica: it receives traffic within 1 s of passing its health check;
//   3. restart the registry: no request fails.
//
// The stack is a fresh workspace made with the CLI itself (`init`, `create`, `up`, `down`),
// under a unique project name; everything it creates is removed at the end.
// `cli(argv, cwd)` runs Portico (in-process in tests, the built CLI in the benchmark).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import YAML from 'yaml';
import { startLoad } from './load.mjs';
import { SseReader } from './sse.mjs';

/** The echo service's health block: timeout <= interval / 2, so critical within 2 intervals. */
export const SCENARIO_HEALTH = { path: '/healthz', interval: '1s', timeout: '300ms', retries: 2, startPeriod: '5s' };
export const SCENARIO_INTERVAL_MS = 1000;
const REGISTRY_PORT = 8500;
const LABEL_PROJECT = 'dev.portico.project';
const LABEL_SERVICE = 'dev.portico.service';
const LABEL_REPLICA = 'dev.portico.replica';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {{ cli: (argv: string[], cwd: string) => Promise<{ code: number, stdout: string, stderr: string }>, log?: (...args: unknown[]) => void, docker?: Docker }} options
 */
export async function runRegistryScenario({ cli, log = () => {}, docker = new Docker() }) {
  const project = `t${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-registry-scenario-'));
  const workspace = path.join(dir, project);
  const network = `${project}_net`;
  const cleanups = [];
  const result = { project, health: { intervalMs: SCENARIO_INTERVAL_MS, timeoutMs: 300, retries: 2 } };
  try {
    const setupStarted = Date.now();
    await must(cli(['init', workspace, '--name', project, '-y'], dir), 'portico init');
    await must(cli(['create', 'echo', '--template', 'node-fastify', '--replicas', '2', '--route', '/api/echo', '-y'], workspace), 'portico create');
    const gatewayPort = await freePort();
    await editYaml(path.join(workspace, 'portico.yaml'), (doc) => {
      doc.setIn(['gateway', 'port'], gatewayPort);
      doc.setIn(['services', 'echo', 'health'], doc.createNode(SCENARIO_HEALTH));
    });
    cleanups.push(() => cli(['down'], workspace));
    await must(cli(['up', '--wait', '--timeout', '240'], workspace), 'portico up');
    result.setupMs = Date.now() - setupStarted;
    log(`stack ${project} up in ${result.setupMs} ms`);

    const url = `http://127.0.0.1:${gatewayPort}/api/echo/items`;
    const name = (n) => `${project}-echo-${n}`;
    let registry = await findContainer(docker, project, 'registry');
    const registryUrl = () => `http://${ipOn(registry, network)}:${REGISTRY_PORT}`;
    const view = new RegistryView(registryUrl());
    cleanups.push(() => view.close());
    await view.waitFor(name(1), 'passing', 30_000);
    await view.waitFor(name(2), 'passing', 30_000);
    await waitOk(url, 30_000);

    // 1. Kill a replica under load.
    {
      const load = startLoad(url, { concurrency: 4, maxMs: 60_000 });
      await sleep(1000);
      const victim = await findContainer(docker, project, 'echo', '2');
      const callStartedAt = Date.now();
      await docker.getContainer(victim.Id).kill();
      const killCallMs = Date.now() - callStartedAt;
      // When the container died, by Docker's own record (the kill call itself can take a while
      // on a busy engine, and that is not the registry's time).
      const diedAt = Date.parse((await docker.getContainer(victim.Id).inspect()).State.FinishedAt);
      const critical = await view.waitFor(name(2), 'critical', 20_000);
      const criticalAt = Date.parse(critical.lastCheck?.at ?? new Date().toISOString());
      await sleep(1500);
      result.kill = { toCriticalMs: criticalAt - diedAt, killCallMs, lastCheck: critical.lastCheck?.output, load: await load.stop() };
      log(`kill: critical ${result.kill.toCriticalMs} ms after the container died (kill call took ${killCallMs} ms; last check: ${result.kill.lastCheck}), ${result.kill.load.failed}/${result.kill.load.requests} requests failed`);
    }

    // 2. Start a third replica (a copy of replica 1 under a new name) under load.
    {
      const load = startLoad(url, { concurrency: 4, maxMs: 60_000 });
      const third = await cloneReplica(docker, await findContainer(docker, project, 'echo', '1'), name(1), name(3), network);
      cleanups.push(() => docker.getContainer(third.id).remove({ force: true }).catch(() => {}));
      const startedAt = Date.now();
      await third.start();
      const passing = await view.waitFor(name(3), 'passing', 30_000);
      const passingAt = Date.parse(passing.lastCheck?.at ?? new Date().toISOString());
      log(`replica 3 at ${passing.address} (replica 2 was at ${view.addressOf(name(2))}), passing at ${passing.lastCheck?.at}`);
      const firstRequestAt = await firstServedRequest(docker, third.id, '/items', 10_000);
      await sleep(500);
      result.scaleOut = { startToPassingMs: passingAt - startedAt, passingToTrafficMs: firstRequestAt === null ? null : firstRequestAt - passingAt, load: await load.stop() };
      log(`scale out: passing ${result.scaleOut.startToPassingMs} ms after start, traffic ${result.scaleOut.passingToTrafficMs} ms after passing`);
    }

    // 3. Restart the registry under load.
    {
      const load = startLoad(url, { concurrency: 4, maxMs: 60_000 });
      await sleep(1000);
      view.close();
      const restartedAt = Date.now();
      await docker.getContainer(registry.Id).restart({ t: 3 });
      log(`registry restart call returned after ${Date.now() - restartedAt} ms`);
      registry = await findContainer(docker, project, 'registry');
      await waitOk(`${registryUrl()}/v1/health`, 30_000);
      const backMs = Date.now() - restartedAt;
      const registryLog = demux(await docker.getContainer(registry.Id).logs({ stdout: true, stderr: true, tail: 500 }));
      log(`registry log around the restart (restart at ${new Date(restartedAt).toISOString()}):\n${registryLog.split('\n').filter((l) => /stopping|listening|ready/.test(l)).join('\n')}`);
      const after = new RegistryView(registryUrl());
      cleanups.push(() => after.close());
      // Replica 1 was seeded from discovery.json; replica 3 (unknown to discovery.json) must
      // register again by itself, within one heartbeat.
      await after.waitFor(name(1), 'passing', 30_000);
      await after.waitFor(name(3), 'passing', 30_000);
      const recoveredMs = Date.now() - restartedAt;
      await sleep(2000);
      result.registryRestart = { backMs, allPassingMs: recoveredMs, load: await load.stop() };
      log(`registry restart: back in ${backMs} ms, all passing after ${recoveredMs} ms, ${result.registryRestart.load.failed}/${result.registryRestart.load.requests} requests failed`);
    }
    return result;
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch((error) => log(`cleanup: ${error}`));
    await removeLabelled(docker, project);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The registry's view of every instance, kept current from /v1/watch. */
class RegistryView {
  constructor(url) {
    this.instances = new Map();
    this.reader = new SseReader(`${url}/v1/watch`);
  }

  /** Waits until `id` has `status`; returns the instance as the registry reported it. */
  async waitFor(id, status, timeoutMs) {
    const current = this.instances.get(id);
    if (current?.status === status) return current;
    const event = await this.reader.until((e) => {
      this.apply(e);
      return this.instances.get(id)?.status === status;
    }, timeoutMs);
    return this.instances.get(id) ?? event;
  }

  addressOf(id) {
    return this.instances.get(id)?.address;
  }

  apply(event) {
    const lists = event.event === 'snapshot' ? Object.values(event.data.services) : [event.data.instances];
    if (event.event === 'change') for (const [id, inst] of this.instances) if (inst.service === event.data.service) this.instances.delete(id);
    for (const list of lists) for (const inst of list) this.instances.set(inst.id, inst);
  }

  close() {
    this.reader.close();
  }
}

async function must(promise, what) {
  const { code, stdout, stderr } = await promise;
  if (code !== 0) throw new Error(`${what} exited ${code}\n${stdout}\n${stderr}`);
}

async function editYaml(file, edit) {
  const doc = YAML.parseDocument(await readFile(file, 'utf8'));
  edit(doc);
  await writeFile(file, doc.toString());
}

async function freePort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function waitOk(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await new Promise((resolve) => {
      const req = http.get(url, { timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
    });
    if (status >= 200 && status < 300) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms (last status ${status})`);
    await sleep(100);
  }
}

async function findContainer(docker, project, service, replica) {
  const labels = [`${LABEL_PROJECT}=${project}`, `${LABEL_SERVICE}=${service}`, ...(replica ? [`${LABEL_REPLICA}=${replica}`] : [])];
  const [found] = await docker.listContainers({ all: true, filters: { label: labels } });
  if (!found) throw new Error(`no container for ${service}${replica ? ` replica ${replica}` : ''} in project ${project}`);
  return found;
}

function ipOn(container, network) {
  const ip = container.NetworkSettings?.Networks?.[network]?.IPAddress;
  if (!ip) throw new Error(`container ${container.Names?.[0]} has no address on ${network}`);
  return ip;
}

/** A new replica made from an existing one: same image, env, labels and network, new name. */
async function cloneReplica(docker, source, sourceName, newName, network) {
  const info = await docker.getContainer(source.Id).inspect();
  const env = info.Config.Env.map((entry) => entry.replaceAll(sourceName, newName));
  const labels = { ...info.Config.Labels, [LABEL_REPLICA]: newName.slice(newName.lastIndexOf('-') + 1) };
  const aliases = (info.NetworkSettings.Networks[network]?.Aliases ?? []).filter((alias) => alias !== sourceName && !info.Id.startsWith(alias));
  const container = await docker.createContainer({
    name: newName,
    Image: info.Config.Image,
    Env: env,
    Labels: labels,
    Cmd: info.Config.Cmd,
    Healthcheck: info.Config.Healthcheck,
    HostConfig: { RestartPolicy: info.HostConfig.RestartPolicy },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [newName, ...aliases] } } },
  });
  return container;
}

/** When the container first logged serving `url` (Fastify's JSON request log), or null. */
async function firstServedRequest(docker, id, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const raw = await docker.getContainer(id).logs({ stdout: true, stderr: true });
    for (const line of demux(raw).split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const record = JSON.parse(line);
        if (record.req?.url === url && typeof record.time === 'number') return record.time;
      } catch {
        // not a JSON log line
      }
    }
    await sleep(100);
  }
  return null;
}

/** Docker's multiplexed log stream (8-byte frame headers) to plain text. */
function demux(buffer) {
  let text = '';
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    text += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return text;
}

/**
 * Whatever `down` left of this project's containers and networks, and the service images it
 * built (ours only, by label; the shared runtime images stay).
 */
async function removeLabelled(docker, project) {
  const filters = { label: [`${LABEL_PROJECT}=${project}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
  for (const i of await docker.listImages({ filters })) await docker.getImage(i.Id).remove({ force: true }).catch(() => {});
}
