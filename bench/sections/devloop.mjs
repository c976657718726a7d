// The inner dev loop (issue 13): time from writing a changed src/app.ts to the first gateway
// response carrying the change, under `portico dev`, for a template service with 1 and with 2
// replicas (median of 5 each), while a load loop through the gateway counts failed requests.
// Compared in the same run with the same change applied by `npm run build && docker-compose up
// -d --build` of an equivalent compose file (the service's own Dockerfile FROM the same local
// runtime image, its port published on 127.0.0.1). Target: <= 1.5 s median for Portico.
// Two load loops, each measured for both tools (BENCH_DEVLOOP_LOADS picks some):
//   - paced: 4 concurrent GETs, each followed by a 40 ms pause (~90 req/s): a stack in use
//     while its developer edits; any window in which the gateway routes to a dead instance
//     still shows as failed requests;
//   - saturating: 4 concurrent GETs back to back, as many as the 2 cores serve (600-800
//     req/s, which with their logs keep the machine ~75 % busy before any reload work).
// Edits are 1 s apart after the previous reload finished (a developer looks at the result;
// `dev` refills its warm standby meanwhile). `dev` is measured as it runs and with its warm
// standbys off (PORTICO_DEV_STANDBY=0), alternated in the same run.
import { execa } from 'execa';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { freePort, httpGet, startLoadLoop } from '../lib/net.mjs';

const TARGET_MS = 1500;
const EDITS = 5;
const SETTLE_MS = 1000;
const LOADS = {
  paced: { concurrency: 4, pauseMs: 40, what: '4 concurrent GETs, each followed by a 40 ms pause' },
  saturating: { concurrency: 4, pauseMs: 0, what: '4 concurrent GETs back to back' },
};
const loads = (process.env.BENCH_DEVLOOP_LOADS ?? Object.keys(LOADS).join(',')).split(',').filter((l) => l in LOADS);
const ITEMS_LINE = "    routes.get('/items',";

export async function run({ root, log }) {
  const bin = path.join(root, 'bin', 'portico.js');
  const env = { ...process.env, CI: '1', NO_COLOR: '1' };
  const tag = Math.random().toString(36).slice(2, 7);
  const project = `bd${tag}`;
  const composeProject = `bdc${tag}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), `portico-bench-${project}-`));
  const portico = async (args) => {
    const r = await execa('node', [bin, ...args], { cwd: dir, env, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`portico ${args.join(' ')} exited ${r.exitCode}:\n${r.all}`);
    return r.stdout;
  };
  let dev;
  let composeFile;
  try {
    log('devloop: workspace with one (1 replica) and two (2 replicas), fastify');
    await portico(['init', '.', '--name', project, '-y']);
    await portico(['create', 'one', '-t', 'node-fastify', '-r', '/api/one', '-y']);
    await portico(['create', 'two', '-t', 'node-fastify', '-r', '/api/two', '--replicas', '2', '-y']);
    const gatewayPort = await freePort();
    const manifest = path.join(dir, 'portico.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(/^  port: \d+$/m, `  port: ${gatewayPort}`));
    for (const s of ['one', 'two']) await setMarker(dir, s, 'm0');
    const up = JSON.parse(await portico(['up', '--json', '--timeout', '180']));
    const runtimeImage = up.runtimeImage.ref;
    const gateway = `http://127.0.0.1:${gatewayPort}`;

    // dev prints every request's log lines (gateway and service): hundreds of lines a second.
    // Only its own lines are kept (and the last 64 KB for errors), counted as they arrive, so
    // the bench's own work stays small next to what it measures.
    const devLog = process.env.BENCH_DEVLOOP_LOG ? createWriteStream(process.env.BENCH_DEVLOOP_LOG) : undefined;
    const servedCount = {};
    const reloadLines = [];
    let watching = false;
    let output = '';
    let partial = '';
    const onLine = (line) => {
      if (/watching /.test(line)) watching = true;
      const m = /(\S+): source change served/.exec(line);
      if (m) {
        servedCount[m[1]] = (servedCount[m[1]] ?? 0) + 1;
        if (m[1] !== 'compose') reloadLines.push(line);
      }
    };
    const startDev = async (extraEnv) => {
      watching = false;
      dev = execa('node', [bin, 'dev'], { cwd: dir, env: { ...env, ...extraEnv }, reject: false, all: true, buffer: false });
      dev.all.on('data', (c) => {
        const text = c.toString();
        devLog?.write(text);
        output = (output + text).slice(-65_536);
        const lines = (partial + text).split('\n');
        partial = lines.pop();
        for (const line of lines) onLine(line);
      });
      await until(() => watching, 120_000, () => output);
    };
    const stopDev = async () => {
      dev.kill('SIGINT');
      await dev;
      dev = undefined;
    };

    let edits = 0;
    const measure = async (service, url, apply, loadName) => {
      const load = startLoadLoop(url, LOADS[loadName]);
      const times = [];
      const served = servedCount[service] ?? 0;
      try {
        for (let i = 1; i <= EDITS; i++) {
          const marker = `m${++edits}`;
          const t0 = performance.now();
          await apply(marker);
          await until(async () => (await get(url)).includes(`"${marker}"`), 60_000, () => output.slice(-3000));
          times.push(Math.round(performance.now() - t0));
          // Let the replace finish (old container drained) before the next edit.
          await until(() => (servedCount[service] ?? 0) >= served + i, 60_000, () => output.slice(-3000));
          await new Promise((r) => setTimeout(r, SETTLE_MS));
        }
      } catch (error) {
        await load.stop();
        throw error;
      }
      const counts = await load.stop();
      return { ...summary(times), runs: times, requests: counts.requests, failedRequests: counts.failed, failureKinds: counts.failures };
    };

    // `dev` as it runs (warm standbys), and with PORTICO_DEV_STANDBY=0 (each reload creates and
    // starts its container), alternated in the same run: their ratio is what the standbys buy.
    const results = Object.fromEntries(loads.map((l) => [l, { load: LOADS[l].what, portico: {}, porticoWithoutStandbys: {}, dockerCompose: {} }]));
    const modes = [
      ['portico', {}],
      ['porticoWithoutStandbys', { PORTICO_DEV_STANDBY: '0' }],
    ];
    for (const [i, l] of loads.entries()) {
      // Alternated order, so neither mode always runs first.
      for (const [mode, extraEnv] of i % 2 ? [...modes].reverse() : modes) {
        log(`devloop: ${mode}: portico dev`);
        await startDev(extraEnv);
        log(`devloop: ${mode}, ${l} load, 1 replica x${EDITS}`);
        results[l][mode].oneReplica = await measure('one', `${gateway}/api/one/marker`, (m) => setMarker(dir, 'one', m), l);
        log(`devloop: ${mode}, ${l} load, 2 replicas x${EDITS}`);
        results[l][mode].twoReplicas = await measure('two', `${gateway}/api/two/marker`, (m) => setMarker(dir, 'two', m), l);
        await stopDev();
      }
    }

    // BENCH_DEVLOOP_LOG (with PORTICO_TRACE=1: every step's time) holds dev's whole output.
    await new Promise((resolve) => (devLog ? devLog.end(resolve) : resolve()));

    log('devloop: docker-compose up -d --build, 1 replica x5');
    const composePort = await freePort();
    const serviceDir = path.join(dir, 'services', 'one');
    composeFile = path.join(dir, 'docker-compose.yml');
    await writeFile(
      composeFile,
      [
        'version: "2.4"',
        'services:',
        '  one:',
        '    build:',
        `      context: ${serviceDir}`,
        '      args:',
        `        BASE_IMAGE: ${runtimeImage}`,
        // Every rebuild leaves the previous image untagged: the label finds them all afterwards.
        '      labels:',
        `        dev.portico.bench: ${composeProject}`,
        `    image: ${composeProject}-one:dev`,
        '    init: true',
        '    ports:',
        `      - "127.0.0.1:${composePort}:3000"`,
        '    environment:',
        '      PORT: "3000"',
        '',
      ].join('\n'),
    );
    const compose = (args) => execa('docker-compose', ['-p', composeProject, '-f', composeFile, ...args], { cwd: dir, reject: false, all: true });
    await execa('npm', ['run', 'build'], { cwd: serviceDir });
    const first = await compose(['up', '-d', '--build']);
    if (first.exitCode !== 0) throw new Error(first.all);
    const composeUrl = `http://127.0.0.1:${composePort}/marker`;
    await until(async () => (await get(composeUrl)).includes('marker'), 60_000, () => 'compose service');
    for (const l of loads) {
      log(`devloop: docker-compose up -d --build, ${l} load, 1 replica x${EDITS}`);
      results[l].dockerCompose.oneReplica = await measure(
        'compose',
        composeUrl,
        async (m) => {
          await setMarker(dir, 'one', m);
          await execa('npm', ['run', 'build'], { cwd: serviceDir });
          const r = await compose(['up', '-d', '--build']);
          if (r.exitCode !== 0) throw new Error(r.all);
          onLine('compose: source change served');
        },
        l,
      ).catch((e) => ({ error: String(e) }));
    }
    for (const r of Object.values(results)) {
      for (const m of Object.values(r.portico)) m.pass = m.medianMs <= TARGET_MS;
      const c = r.dockerCompose.oneReplica.medianMs;
      if (c) r.ratioToCompose = { oneReplica: round(r.portico.oneReplica.medianMs / c), twoReplicas: round(r.portico.twoReplicas.medianMs / c) };
      const w = r.porticoWithoutStandbys;
      r.ratioToWithoutStandbys = { oneReplica: round(r.portico.oneReplica.medianMs / w.oneReplica.medianMs), twoReplicas: round(r.portico.twoReplicas.medianMs / w.twoReplicas.medianMs) };
    }

    return {
      target: { medianMs: TARGET_MS },
      settleMsBetweenEdits: SETTLE_MS,
      loads: results,
      reloadLines,
      dockerComposeHow: 'npm run build on the host, then docker-compose up -d --build (the template Dockerfile FROM the same runtime image), edit to first response with the change on the published port',
    };
  } finally {
    pollAgent.destroy();
    if (dev) {
      dev.kill('SIGINT');
      await dev.catch(() => undefined);
    }
    if (composeFile) await execa('docker-compose', ['-p', composeProject, '-f', composeFile, 'down', '--rmi', 'local'], { reject: false });
    await execa('node', [bin, 'down'], { cwd: dir, env, reject: false });
    for (const label of [`dev.portico.project=${project}`, `dev.portico.bench=${composeProject}`]) {
      const images = (await execa('docker', ['images', '-q', '--filter', `label=${label}`], { reject: false })).stdout.split('\n').filter(Boolean);
      if (images.length > 0) await execa('docker', ['rmi', '-f', ...new Set(images)], { reject: false });
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rewrites the service's marker route (added once, before /items) to answer `marker`. */
async function setMarker(dir, service, marker) {
  const file = path.join(dir, 'services', service, 'src', 'app.ts');
  const text = await readFile(file, 'utf8');
  const route = (m) => `    routes.get('/marker', async () => ({ marker: '${m}' }));\n`;
  const next = /routes\.get\('\/marker'/.test(text) ? text.replace(/ {4}routes\.get\('\/marker'.*\n/, route(marker)) : text.replace(ITEMS_LINE, `${route(marker)}${ITEMS_LINE}`);
  if (next === text) throw new Error(`could not place the marker route in ${file}`);
  await writeFile(file, next);
}

const pollAgent = new http.Agent({ keepAlive: true });
/** The body at `url` ('' on any error): the bench's own look for the change, with node:http (light next to fetch). */
async function get(url) {
  let body = '';
  try {
    await httpGet(url, pollAgent, 3000, (b) => (body = b));
  } catch {
    return '';
  }
  return body;
}

async function until(check, timeoutMs, context) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out; context:\n${context()}`);
}

const round = (x) => Math.round(x * 1000) / 1000;

function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { medianMs: s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2), minMs: s[0], maxMs: s.at(-1) };
}
