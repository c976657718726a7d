// The inner dev loop (issue 13): time from writing a changed src/app.ts to the first gateway
// response carrying the change, under `portico dev`, for a template service with 1 and with 2
// replicas (median of 5 each), while a load loop (4 concurrent GETs through the gateway) counts
// failed requests. Compared in the same run with the same change applied by
// `npm run build && docker-compose up -d --build` of an equivalent compose file (the service's
// own Dockerfile FROM the same local runtime image, its port published on 127.0.0.1).
// Target: <= 1.5 s median for Portico.
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startLoadLoop } from '../lib/net.mjs';

const TARGET_MS = 1500;
const EDITS = 5;
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

    log('devloop: portico dev');
    dev = execa('node', [bin, 'dev'], { cwd: dir, env, reject: false, all: true, buffer: false });
    let output = '';
    dev.all.on('data', (c) => (output += c.toString()));
    await until(() => /watching /.test(output), 120_000, () => output);

    const measure = async (service, url, apply) => {
      const load = startLoadLoop(url);
      const times = [];
      try {
        for (let i = 1; i <= EDITS; i++) {
          const marker = `m${i}`;
          const t0 = performance.now();
          await apply(marker);
          await until(async () => (await get(url)).includes(marker), 60_000, () => output.slice(-3000));
          times.push(Math.round(performance.now() - t0));
          // Let the replace finish (old container drained) before the next edit.
          await until(() => countMatches(output, new RegExp(`${service}: source change served`)) >= i, 60_000, () => output.slice(-3000));
        }
      } catch (error) {
        await load.stop();
        throw error;
      }
      const counts = await load.stop();
      return { ...summary(times), runs: times, requests: counts.requests, failedRequests: counts.failed, failureKinds: counts.failures };
    };

    log('devloop: portico, 1 replica x5');
    const one = await measure('one', `${gateway}/api/one/marker`, (m) => setMarker(dir, 'one', m));
    log('devloop: portico, 2 replicas x5');
    const two = await measure('two', `${gateway}/api/two/marker`, (m) => setMarker(dir, 'two', m));
    const reloadLines = output.split('\n').filter((l) => /source change served/.test(l));

    dev.kill('SIGINT');
    await dev;
    dev = undefined;

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
    const composeResult = await measure('compose', composeUrl, async (m) => {
      await setMarker(dir, 'one', m);
      await execa('npm', ['run', 'build'], { cwd: serviceDir });
      const r = await compose(['up', '-d', '--build']);
      if (r.exitCode !== 0) throw new Error(r.all);
      output += '\ncompose: source change served\n';
    }).catch((e) => ({ error: String(e) }));

    return {
      target: { medianMs: TARGET_MS },
      portico: {
        oneReplica: { ...one, pass: one.medianMs <= TARGET_MS },
        twoReplicas: { ...two, pass: two.medianMs <= TARGET_MS },
        reloadLines,
      },
      dockerCompose: { oneReplica: composeResult, how: 'npm run build on the host, then docker-compose up -d --build (the template Dockerfile FROM the same runtime image), edit to first response with the change on the published port' },
    };
  } finally {
    if (dev) {
      dev.kill('SIGINT');
      await dev.catch(() => undefined);
    }
    if (composeFile) await execa('docker-compose', ['-p', composeProject, '-f', composeFile, 'down', '--rmi', 'local'], { reject: false });
    await execa('node', [bin, 'down'], { cwd: dir, env, reject: false });
    const images = (await execa('docker', ['images', '-q', '--filter', `label=dev.portico.project=${project}`], { reject: false })).stdout.split('\n').filter(Boolean);
    if (images.length > 0) await execa('docker', ['rmi', '-f', ...images], { reject: false });
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

async function get(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return await res.text();
  } catch {
    return '';
  }
}

async function until(check, timeoutMs, context) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out; context:\n${context()}`);
}

const countMatches = (text, re) => text.split('\n').filter((l) => re.test(l)).length;

function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { medianMs: s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2), minMs: s[0], maxMs: s.at(-1) };
}
