// `npm run bench:gateway`: the Portico gateway against nginx and two Node peers, on loopback.
//   (a) direct to a small upstream (nginx, 1 worker, `return 200` of a small JSON body)
//   (b) nginx reverse proxy, 1 worker, upstream keepalive 64, proxy_http_version 1.1
//   (c) the Portico gateway (built bundle), one process, routing only (no metrics, no log)
//   (d) the gateway with API-key auth + rate limit + metrics on (analytics off)
//   (da) (d) with API analytics on: its cost is the ratio da/d (goal >= 0.95, same run), the
//        median over back-to-back d/da pairs (each round's, plus BENCH_PAIRS short extra pairs);
//        also reported: 'da/d concurrent', d and da loaded at the same time
//   (e) fast-gateway and @fastify/http-proxy, same route (installed into bench/peers/node_modules)
// Runs are interleaved (a b c d da e1 e2, three rounds by default) and medians reported, with wrk
// -t1 -c50. Checks: every response 2xx (wrk's non-2xx counter and socket errors are 0) and
// upstream connections reused (the upstream's accepted-connection count from stub_status).
// Also reported: CPU time per request of the proxy process (robust to a busy machine) and the
// gateway's peak RSS. Writes JSON to stdout and bench/results/gateway-<date>.json.
// Env: BENCH_DURATION (s per run, default 5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50),
// BENCH_PAIRS (extra d/da pairs, run d da da d or da d d da, 16), BENCH_PAIR_DURATION (s per run, 1), BENCH_CONCURRENT
// (d and da loaded at the same time, 8 runs), BENCH_CONCURRENT_DURATION (s, 3), BENCH_AA=1 (da
// without analytics: an A/A run that shows the da/d method's noise).
import { execFile, execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** Extra back-to-back d/da pairs for the analytics cost, and their length in seconds. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 16);
const PAIR_DURATION = Number(process.env.BENCH_PAIR_DURATION ?? 1);
/** Runs of d and da at the same time (each with its own wrk), and their length in seconds. */
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 8);
/**
 * BENCH_AA=1: (da) runs with analytics off too, an A/A run whose da/d figures show the
 * method's noise on this machine (what a real difference must exceed).
 */
const AA = process.env.BENCH_AA === '1';
const CONCURRENT_DURATION = Number(process.env.BENCH_CONCURRENT_DURATION ?? 3);
const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const log = (...args) => console.error('[bench:gateway]', ...args);
const API_KEY = 'bench-api-key-0123456789';
/** The targets that are Portico gateways (memory sampled; d and da send the API key). */
const GATEWAYS = new Set(['c', 'd', 'da']);

const children = [];
let workDir;

const handedOut = new Set();

/** A port free now and not handed out before in this run (the OS may offer one twice). */
async function freePort() {
  for (;;) {
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address();
    await new Promise((resolve) => s.close(resolve));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

async function waitForHttp(port, urlPath, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { headers: { 'x-api-key': API_KEY } });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`nothing answered on 127.0.0.1:${port}${urlPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(name, command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (!child.stopping) log(`${name} exited early (code ${code}, signal ${signal}): ${stderr.trim()}`);
  });
  children.push(child);
  return child;
}

async function stopAll() {
  for (const child of children) {
    child.stopping = true;
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

/** CPU seconds used by a process and its children (nginx master + worker). */
function cpuSeconds(pid) {
  const tick = 100;
  let total = 0;
  const pids = [pid];
  try {
    const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
    if (kids) pids.push(...kids.split(/\s+/).map(Number));
  } catch {
    /* no children */
  }
  for (const p of pids) {
    try {
      const stat = execFileSync('cat', [`/proc/${p}/stat`], { encoding: 'utf8' });
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      /* gone */
    }
  }
  return total;
}

async function peakRssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return hwm ? Math.round(Number(hwm[1]) / 1024) : null;
}

/** nginx stub_status of the upstream, over a fresh connection (counted: one accept, one request). */
function upstreamStatus(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/_status', agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const [accepts, , requests] = text.split('\n')[2].trim().split(/\s+/).map(Number);
          resolve({ accepts, requests });
        });
      })
      .on('error', reject);
  });
}

/** Resident memory now: total and private (anonymous) part, in MB. */
async function rssNowMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), anon: Math.round(kb('RssAnon') / 1024) };
}

/** Run wrk without blocking the event loop, so memory can be sampled mid-run. */
/** wrk's arguments for one run: one thread, CONNECTIONS connections, latency percentiles. */
function wrkArgs(url, seconds, headers) {
  return ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url];
}

function wrkAsync(url, seconds, headers = []) {
  const args = wrkArgs(url, seconds, headers);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  return { us: n / 1000, ms: n, s: n * 1000, m: n * 60_000 }[m[2]];
}

function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0;
  return { rps, requests, p50Ms: p50, p99Ms: p99, non2xx, socketErrors };
}

function wrk(url, seconds, headers = []) {
  const args = wrkArgs(url, seconds, headers);
  return execFileSync('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

function nginxConf(dir, name, body) {
  return `worker_processes 1;
daemon off;
pid ${dir}/${name}.pid;
error_log ${dir}/${name}-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/${name}-body;
  proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fastcgi;
  uwsgi_temp_path ${dir}/${name}-uwsgi;
  scgi_temp_path ${dir}/${name}-scgi;
  keepalive_requests 1000000;
${body}
}
`;
}

function gatewayFiles(upstreamPort, features, analytics = false) {
  const route = {
    id: 'orders#0',
    service: 'orders',
    path: '/api/orders',
    host: null,
    methods: null,
    stripPrefix: true,
    auth: features ? 'required' : 'none',
    timeouts: { connectMs: 2000, headerMs: 30000, bodyMs: 30000 },
    retries: 1,
    circuitBreaker: { failureThreshold: 5, resetAfterMs: 10000 },
    // A limit far above what the run can reach: the bucket is exercised on every request, never hit.
    rateLimit: features ? { requests: 1_000_000_000, perMs: 1000, by: 'apiKey', burst: 1_000_000_000 } : null,
    cache: null,
    cors: null,
    maxBodyBytes: 1048576,
  };
  const gateway = {
    version: 1,
    project: 'bench',
    listen: { port: 8080 },
    registry: null,
    auth: { apiKeys: features ? [{ name: 'bench', env: 'BENCH_API_KEY' }] : [], jwt: null },
    trustedProxies: [],
    cacheMaxBytes: 1048576,
    routes: [route],
    analytics: { enabled: analytics },
  };
  const discovery = {
    version: 1,
    project: 'bench',
    network: 'bench_net',
    services: {
      orders: {
        kind: 'template',
        port: upstreamPort,
        check: { type: 'http', path: '/' },
        intervalMs: 1000,
        timeoutMs: 500,
        failuresBeforeCritical: 3,
        startPeriodMs: 0,
        ttlMs: 10000,
        deregisterAfterMs: 60000,
        instances: [{ id: 'bench-orders-1', address: '127.0.0.1', port: upstreamPort }],
      },
    },
  };
  return { gateway, discovery };
}

async function ensurePeers() {
  const peers = path.join(root, 'bench', 'peers');
  if (existsSync(path.join(peers, 'node_modules', 'fast-gateway')) && existsSync(path.join(peers, 'node_modules', '@fastify', 'http-proxy'))) return;
  log('installing comparison peers into bench/peers/node_modules');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: peers, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
}

async function main({ print = true } = {}) {
  for (const bin of ['wrk', NGINX]) {
    try {
      execFileSync(bin === 'wrk' ? 'wrk' : bin, bin === 'wrk' ? ['--version'] : ['-v'], { stdio: 'ignore' });
    } catch (error) {
      if (error.code === 'ENOENT') throw new Error(`${bin} is not installed (apt-get install wrk nginx-light)`);
    }
  }
  const bundle = path.join(root, 'dist', 'runtime', 'gateway.mjs');
  if (!existsSync(bundle)) throw new Error('dist/runtime/gateway.mjs is missing: run `npm run build` (npm run bench:gateway does)');
  await ensurePeers();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'portico-bench-gw-'));

  const ports = { up: await freePort(), b: await freePort(), c: await freePort(), d: await freePort(), da: await freePort(), e1: await freePort(), e2: await freePort() };
  const upstreamOrigin = `http://127.0.0.1:${ports.up}`;

  await writeFile(
    path.join(workDir, 'upstream.conf'),
    nginxConf(workDir, 'upstream', `  server {
    listen 127.0.0.1:${ports.up} reuseport;
    location = /_status { stub_status; }
    location / { default_type application/json; return 200 '{"id":42,"name":"orders","ok":true}'; }
  }`),
  );
  await writeFile(
    path.join(workDir, 'proxy.conf'),
    nginxConf(workDir, 'proxy', `  upstream orders { server 127.0.0.1:${ports.up}; keepalive 64; }
  server {
    listen 127.0.0.1:${ports.b};
    location /api/orders/ {
      proxy_pass http://orders/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`),
  );
  for (const name of ['c', 'd', 'da']) {
    const dir = path.join(workDir, `gateway-${name}`);
    await mkdir(dir);
    const files = gatewayFiles(ports.up, name !== 'c', name === 'da' && !AA);
    await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(files.gateway));
    await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(files.discovery));
  }

  const procs = {};
  procs.a = start('upstream nginx', NGINX, ['-p', workDir, '-c', path.join(workDir, 'upstream.conf')]);
  procs.b = start('nginx proxy', NGINX, ['-p', workDir, '-c', path.join(workDir, 'proxy.conf')]);
  const gatewayEnv = (name, features) => ({
    ...process.env,
    PORTICO_CONFIG_DIR: path.join(workDir, `gateway-${name}`),
    PORT: String(ports[name]),
    HOST: '127.0.0.1',
    PORTICO_ACCESS_LOG: 'off',
    PORTICO_METRICS: features ? 'on' : 'off',
    BENCH_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
  });
  // Started as the gateway image runs it (node --enable-source-maps), so memory is as in the stack.
  procs.c = start('portico gateway (routing)', process.execPath, ['--enable-source-maps', bundle], { env: gatewayEnv('c', false) });
  procs.d = start('portico gateway (features)', process.execPath, ['--enable-source-maps', bundle], { env: gatewayEnv('d', true) });
  procs.da = start('portico gateway (features + analytics)', process.execPath, ['--enable-source-maps', bundle], { env: gatewayEnv('da', true) });
  const peersDir = path.join(root, 'bench', 'peers');
  procs.e1 = start('fast-gateway', process.execPath, [path.join(peersDir, 'fast-gateway.mjs'), String(ports.e1), upstreamOrigin], { cwd: peersDir });
  procs.e2 = start('@fastify/http-proxy', process.execPath, [path.join(peersDir, 'fastify-proxy.mjs'), String(ports.e2), upstreamOrigin], { cwd: peersDir });

  const targets = {
    a: { label: 'direct to upstream', url: `${upstreamOrigin}/api/orders/42`, proc: procs.a },
    b: { label: 'nginx, 1 worker, keepalive 64', url: `http://127.0.0.1:${ports.b}/api/orders/42`, proc: procs.b },
    c: { label: 'portico gateway, routing only', url: `http://127.0.0.1:${ports.c}/api/orders/42`, proc: procs.c },
    d: { label: 'portico gateway, API key + rate limit + metrics', url: `http://127.0.0.1:${ports.d}/api/orders/42`, proc: procs.d, headers: [`x-api-key: ${API_KEY}`] },
    da: { label: AA ? 'portico gateway, (d) again (BENCH_AA=1: analytics off)' : 'portico gateway, (d) + analytics', url: `http://127.0.0.1:${ports.da}/api/orders/42`, proc: procs.da, headers: [`x-api-key: ${API_KEY}`] },
    e1: { label: 'fast-gateway 3.4', url: `http://127.0.0.1:${ports.e1}/api/orders/42`, proc: procs.e1 },
    e2: { label: 'fastify 5 + @fastify/http-proxy 11', url: `http://127.0.0.1:${ports.e2}/api/orders/42`, proc: procs.e2 },
  };
  await waitForHttp(ports.up, '/_status');
  for (const [key, t] of Object.entries(targets)) {
    await waitForHttp(Number(new URL(t.url).port), new URL(t.url).pathname);
    // A correctness probe before measuring: the route answers 2xx with the upstream's body.
    const probe = await fetch(t.url, { headers: GATEWAYS.has(key) && key !== 'c' ? { 'x-api-key': API_KEY } : {} });
    const body = await probe.text();
    if (probe.status !== 200 || !body.includes('"orders"')) throw new Error(`${t.label}: probe answered ${probe.status} ${body.slice(0, 200)}`);
  }

  log(`warm-up (1 s each), then ${ROUNDS} interleaved rounds of ${DURATION} s per target, wrk -t1 -c${CONNECTIONS}`);
  for (const t of Object.values(targets)) wrk(t.url, 1, t.headers);

  /** One wrk run against a target, with the proxy's CPU time, upstream reuse and (gateways) memory mid-run. */
  async function measure(key, t, seconds, round) {
    const before = await upstreamStatus(ports.up);
    const cpuBefore = cpuSeconds(t.proc.pid);
    const pending = wrkAsync(t.url, seconds, t.headers);
    let memoryAtLoad = null;
    if (GATEWAYS.has(key)) {
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
      memoryAtLoad = await rssNowMb(t.proc.pid);
    }
    const result = parseWrk(await pending);
    const cpuAfter = cpuSeconds(t.proc.pid);
    const after = await upstreamStatus(ports.up);
    // The status probes themselves are one connection and one request each.
    const upstreamConnections = after.accepts - before.accepts - 1;
    const upstreamRequests = after.requests - before.requests - 1;
    return {
      round,
      ...result,
      upstreamConnections,
      upstreamRequests,
      cpuUsPerRequest: result.requests > 0 ? Math.round(((cpuAfter - cpuBefore) * 1e6) / result.requests) : null,
      ...(memoryAtLoad === null ? {} : { rssAtLoadMb: memoryAtLoad.rss, privateRssAtLoadMb: memoryAtLoad.anon }),
    };
  }

  const runs = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [key, t] of Object.entries(targets)) {
      const run = await measure(key, t, DURATION, round);
      runs[key].push(run);
      log(`round ${round} ${key} (${t.label}): ${Math.round(run.rps)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, upstream connections ${run.upstreamConnections}, cpu ${run.cpuUsPerRequest} us/req`);
    }
  }

  // The analytics cost (da/d) in pairs: d and da back to back, so both sides of a pair see the
  // same machine (a shared machine's load moves req/s by more than the cost being measured; the
  // rounds above run five other targets between two d runs). Each round's adjacent d and da
  // runs are pairs too, then PAIRS short pairs run A B B A (d da da d, then da d d da, ...):
  // each side is the mean of its two runs, so a load trend across the pair cancels out. The
  // ratio reported is the median of the pairs' ratios.
  const pairs = [];
  for (let round = 1; round <= ROUNDS; round++) pairs.push({ round, first: 'd', d: runs.d[round - 1], da: runs.da[round - 1] });
  const meanOf = (rs, field) => rs.reduce((n, r) => n + r[field], 0) / rs.length;
  for (let i = 1; i <= PAIRS; i++) {
    const [x, y] = i % 2 === 1 ? ['da', 'd'] : ['d', 'da'];
    const got = { d: [], da: [] };
    for (const key of [x, y, y, x]) {
      const run = await measure(key, targets[key], PAIR_DURATION, `pair ${i}`);
      if (run.non2xx !== 0 || run.socketErrors !== 0 || run.requests === 0) throw new Error(`${targets[key].label}: non-2xx answers or socket errors in pair ${i}`);
      got[key].push(run);
    }
    const side = (rs) => ({ rps: meanOf(rs, 'rps'), cpuUsPerRequest: Math.round(meanOf(rs, 'cpuUsPerRequest')) });
    const pair = { round: `pair ${i}`, first: x, d: side(got.d), da: side(got.da) };
    pairs.push(pair);
    log(`pair ${i} (${[x, y, y, x].join(' ')}): d ${Math.round(pair.d.rps)} req/s ${pair.d.cpuUsPerRequest} us/req, da ${Math.round(pair.da.rps)} req/s ${pair.da.cpuUsPerRequest} us/req, da/d ${(pair.da.rps / pair.d.rps).toFixed(3)}`);
  }
  // The same cost with d and da loaded at the same time, each by its own wrk: whatever else the
  // machine runs hits both alike, and the two gateways share the CPU fairly, so the req/s
  // ratio is their cost ratio. On a busy shared machine this is the steadiest figure.
  const concurrent = [];
  for (let i = 1; i <= CONCURRENT; i++) {
    const cpuBefore = { d: cpuSeconds(targets.d.proc.pid), da: cpuSeconds(targets.da.proc.pid) };
    const [d, da] = (await Promise.all([wrkAsync(targets.d.url, CONCURRENT_DURATION, targets.d.headers), wrkAsync(targets.da.url, CONCURRENT_DURATION, targets.da.headers)])).map(parseWrk);
    const cpu = (key, r) => (r.requests > 0 ? Math.round(((cpuSeconds(targets[key].proc.pid) - cpuBefore[key]) * 1e6) / r.requests) : null);
    const run = { round: `concurrent ${i}`, d: { ...d, cpuUsPerRequest: cpu('d', d) }, da: { ...da, cpuUsPerRequest: cpu('da', da) } };
    for (const key of ['d', 'da']) if (run[key].non2xx !== 0 || run[key].socketErrors !== 0) throw new Error(`${targets[key].label}: non-2xx answers or socket errors in ${run.round}`);
    concurrent.push(run);
    log(`concurrent ${i}: d ${Math.round(d.rps)} req/s ${run.d.cpuUsPerRequest} us/req, da ${Math.round(da.rps)} req/s ${run.da.cpuUsPerRequest} us/req, da/d ${(da.rps / d.rps).toFixed(3)}`);
  }
  for (const pair of [...pairs, ...concurrent]) {
    pair.rpsRatio = pair.d.rps > 0 ? Math.round((pair.da.rps / pair.d.rps) * 1000) / 1000 : null;
    pair.cpuRatio = pair.d.cpuUsPerRequest && pair.da.cpuUsPerRequest ? Math.round((pair.d.cpuUsPerRequest / pair.da.cpuUsPerRequest) * 1000) / 1000 : null;
  }

  const summary = {};
  for (const [key, t] of Object.entries(targets)) {
    const r = runs[key];
    summary[key] = {
      label: t.label,
      rps: Math.round(median(r.map((x) => x.rps))),
      p50Ms: median(r.map((x) => x.p50Ms)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      cpuUsPerRequest: median(r.map((x) => x.cpuUsPerRequest)),
      all2xx: r.every((x) => x.non2xx === 0 && x.socketErrors === 0 && x.requests > 0),
      // Each proxy keeps a pool: new upstream connections per run stay far below requests
      // (nginx recycles an upstream connection every 1000 requests by default: keepalive_requests).
      upstreamConnectionsMax: Math.max(...r.map((x) => x.upstreamConnections)),
      upstreamReused: key === 'a' ? null : r.every((x) => x.upstreamConnections <= Math.max(CONNECTIONS * 4, x.requests / 500) && x.upstreamRequests >= x.requests * 0.99),
      ...(GATEWAYS.has(key) ? { rssAtLoadMbMax: Math.max(...r.map((x) => x.rssAtLoadMb)), privateRssAtLoadMbMax: Math.max(...r.map((x) => x.privateRssAtLoadMb)) } : {}),
      runs: r,
    };
  }
  const ratio = (x, y) => (summary[x].rps && summary[y].rps ? Math.round((summary[x].rps / summary[y].rps) * 1000) / 1000 : null);
  const betterPeer = summary.e1.rps >= summary.e2.rps ? 'e1' : 'e2';
  const peakRss = { c: await peakRssMb(procs.c.pid), d: await peakRssMb(procs.d.pid), da: await peakRssMb(procs.da.pid) };
  // The same comparison in CPU time per request (x's throughput per core relative to y's): less
  // sensitive than req/s to other load on a shared machine, since wrk and the upstream also need CPU.
  const cpuRatio = (x, y) => (summary[x].cpuUsPerRequest && summary[y].cpuUsPerRequest ? Math.round((summary[y].cpuUsPerRequest / summary[x].cpuUsPerRequest) * 1000) / 1000 : null);
  const cpuBetterPeer = summary.e1.cpuUsPerRequest <= summary.e2.cpuUsPerRequest ? 'e1' : 'e2';
  const cpuRatios = { 'c/b': cpuRatio('c', 'b'), 'd/b': cpuRatio('d', 'b'), 'da/d': round3(median(pairs.map((p) => p.cpuRatio))), 'da/d concurrent': round3(median(concurrent.map((p) => p.cpuRatio))), 'c/e': cpuRatio('c', cpuBetterPeer), betterPeer: summary[cpuBetterPeer].label };
  // da/d: the median of the paired ratios (see the pairs above), not a ratio of two medians.
  const ratios = { 'c/b': ratio('c', 'b'), 'd/b': ratio('d', 'b'), 'da/d': round3(median(pairs.map((p) => p.rpsRatio))), 'da/d concurrent': round3(median(concurrent.map((p) => p.rpsRatio))), 'c/e': ratio('c', betterPeer), 'c/a': ratio('c', 'a'), betterPeer: summary[betterPeer].label };
  const result = {
    benchmark: 'gateway',
    startedAt: new Date().toISOString(),
    machine: { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), nginx: execFileSync(NGINX, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || 'nginx' },
    settings: { aa: AA, tool: 'wrk', threads: 1, connections: CONNECTIONS, durationS: DURATION, rounds: ROUNDS, interleaved: true, statistic: 'median', analyticsPairs: { extra: PAIRS, durationS: PAIR_DURATION, statistic: 'median of paired da/d ratios' }, analyticsConcurrent: { runs: CONCURRENT, durationS: CONCURRENT_DURATION, statistic: 'median of da/d ratios' } },
    targets: summary,
    ratios,
    cpuRatios,
    // The d/da pairs behind ratios['da/d'] and cpuRatios['da/d'].
    analyticsPairs: [...pairs, ...concurrent].map((p) => ({ round: p.round, first: p.first ?? 'both', dRps: Math.round(p.d.rps), daRps: Math.round(p.da.rps), dCpuUsPerRequest: p.d.cpuUsPerRequest, daCpuUsPerRequest: p.da.cpuUsPerRequest, rpsRatio: p.rpsRatio, cpuRatio: p.cpuRatio })),
    // rssAtLoad: VmRSS sampled mid-run (includes ~40 MB of the node binary's shared file pages);
    // peak: VmHWM over the whole benchmark.
    gatewayMemoryMb: {
      rssAtLoad: { c: summary.c.rssAtLoadMbMax, d: summary.d.rssAtLoadMbMax, da: summary.da.rssAtLoadMbMax },
      privateAtLoad: { c: summary.c.privateRssAtLoadMbMax, d: summary.d.privateRssAtLoadMbMax, da: summary.da.privateRssAtLoadMbMax },
      peak: peakRss,
    },
    goals: {
      'c/b >= 0.6': ratios['c/b'] >= 0.6,
      'd/b >= 0.5': ratios['d/b'] >= 0.5,
      'da/d >= 0.95 (analytics cost)': ratios['da/d'] >= 0.95,
      'da/d concurrent >= 0.95 (analytics cost, d and da loaded together)': ratios['da/d concurrent'] >= 0.95,
      'c >= 2x better Node peer': ratios['c/e'] >= 2,
      'gateway RSS at load < 100 MB': Math.max(summary.c.rssAtLoadMbMax, summary.d.rssAtLoadMbMax, summary.da.rssAtLoadMbMax) < 100,
      'all responses 2xx': Object.values(summary).every((s) => s.all2xx),
      'upstream connections reused': Object.values(summary).every((s) => s.upstreamReused !== false),
    },
  };
  const out = JSON.stringify(result, null, 2);
  await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
  const file = path.join(root, 'bench', 'results', `gateway-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, out);
  if (print) process.stdout.write(out + '\n');
  log(`wrote ${path.relative(root, file)}`);
  return result;
}

async function cleanup() {
  await stopAll();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}

/** The whole benchmark, processes and temp files cleaned up afterwards (bench/sections uses it). */
export async function runGatewayBench(options) {
  try {
    return await main(options);
  } finally {
    await cleanup();
  }
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  runGatewayBench().catch((error) => {
    console.error(error?.stack ?? error);
    process.exitCode = 1;
  });
}
