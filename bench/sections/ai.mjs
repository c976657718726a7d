// `npm run bench` section: what an AI route adds to a streamed completion's time to first byte.
// A local fake OpenAI-compatible provider (plain HTTP on 127.0.0.1, in this process) answers
// `stream: true` with its first SSE chunk at once and the rest 5 ms later. The same client
// measures, alternating in one run, request sent -> first body byte: straight to the provider
// ("direct") and through the built gateway bundle (a child process, as in the container) on an
// AI route ("gateway"). Bounded: a fixed number of requests, and a time cap.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const WARMUP = 100;
const SAMPLES = 600;
const TIME_CAP_MS = 90_000;
/** Issue 16: the gateway adds at most this much to the p50 time to first byte. */
const BUDGET_MS = 1;

const CHUNK = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

function startProvider() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(CHUNK({ role: 'assistant', content: '' }));
      setTimeout(() => {
        res.write(CHUNK({ content: 'Hello!' }));
        res.write(CHUNK({}, 'stop'));
        res.write(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      }, 5);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function freePort() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const BODY = JSON.stringify({ model: 'local/bench-model', stream: true, messages: [{ role: 'user', content: 'Hello!' }] });

/** ms from sending the request to the first body byte; the rest is read to the end. */
function ttfb(agent, port, urlPath) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let first = 0;
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${urlPath}: status ${res.statusCode}`));
      res.on('data', () => {
        if (first === 0) first = Number(process.hrtime.bigint() - started) / 1e6;
      });
      res.on('end', () => resolve(first));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (n) => Math.round(n * 1000) / 1000;
function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(pct(s, 50)), p90: round(pct(s, 90)), p99: round(pct(s, 99)) };
}

async function waitFor(port, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/_portico/health`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error('the gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function run({ root, log = () => {} }) {
  const bundle = path.join(root, 'dist', 'runtime', 'gateway.mjs');
  if (!existsSync(bundle)) throw new Error('dist/runtime/gateway.mjs is missing: run `npm run build`');
  const provider = await startProvider();
  const providerPort = provider.address().port;
  const gatewayPort = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-bench-ai-'));
  const route = {
    id: 'ai#0', service: 'ai', path: '/ai/chat', host: null, methods: ['POST'], stripPrefix: false, auth: 'none',
    timeouts: { connectMs: 1000, headerMs: 5000, bodyMs: 5000 }, retries: 0, circuitBreaker: { failureThreshold: 5, resetAfterMs: 10_000 },
    rateLimit: null, cache: null, cors: null, maxBodyBytes: 1024 * 1024,
    ai: { models: { default: 'local/bench-model', allow: [] }, fallback: [], tokenLimit: { tokens: 1e12, perMs: 86_400_000, by: 'ip' }, timeoutMs: 5000, prompt: null },
  };
  const config = {
    version: 1, project: 'bench', listen: { port: gatewayPort }, registry: null, auth: { apiKeys: [], jwt: null }, trustedProxies: [], cacheMaxBytes: 1024 * 1024,
    routes: [route], ai: { providers: { local: { kind: 'openai', baseUrl: `http://127.0.0.1:${providerPort}/v1`, keyEnv: null } } },
  };
  await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(config));
  await writeFile(path.join(dir, 'discovery.json'), JSON.stringify({ version: 1, project: 'bench', network: 'bench_net', services: {} }));
  const child = spawn(process.execPath, ['--enable-source-maps', bundle], {
    env: { ...process.env, PORTICO_CONFIG_DIR: dir, PORT: String(gatewayPort), HOST: '127.0.0.1', PORTICO_ACCESS_LOG: 'off', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await waitFor(gatewayPort);
    const targets = { direct: [providerPort, '/v1/chat/completions'], gateway: [gatewayPort, '/ai/chat'] };
    for (let i = 0; i < WARMUP; i++) for (const [port, p] of Object.values(targets)) await ttfb(agent, port, p);
    const samples = { direct: [], gateway: [] };
    const deadline = Date.now() + TIME_CAP_MS;
    for (let i = 0; i < SAMPLES && Date.now() < deadline; i++) {
      // Alternate which goes first, so neither always follows the other's GC or timer.
      const order = i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
      for (const name of order) samples[name].push(await ttfb(agent, ...targets[name]));
    }
    const direct = summary(samples.direct);
    const gateway = summary(samples.gateway);
    const addedP50 = round(gateway.p50 - direct.p50);
    log(`ai: ttfb p50 direct ${direct.p50} ms, gateway ${gateway.p50} ms, added ${addedP50} ms (budget ${BUDGET_MS} ms)`);
    return { what: 'streamed chat completion, time to first byte (ms), sequential keep-alive requests', direct, gateway, addedP50Ms: addedP50, budgetMs: BUDGET_MS, withinBudget: addedP50 <= BUDGET_MS };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => provider.close(r));
    provider.closeAllConnections?.();
    await rm(dir, { recursive: true, force: true });
  }
}

// `node bench/sections/ai.mjs`: this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  console.log(JSON.stringify(await run({ root, log: (...a) => console.error('[bench]', ...a) }), null, 2));
}
