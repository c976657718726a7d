// WebSocket through a real stack on the engine: a service built FROM the runtime image runs a
// `ws` echo server (bundled with esbuild here, so the image needs no npm install), and a real
// `ws` client talks to it through the gateway's published port.
import { build } from 'esbuild';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeFiles } from '../helpers/workspace.js';
import { cleanup, freePort, getThroughGateway, portico, randomProject, root } from './helpers/stack.js';

const SERVER = `import http from 'node:http';
import { WebSocketServer } from 'ws';
const server = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : 'plain http'));
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  ws.send('hello ' + req.url);
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'bye') return ws.close(4000, 'bye');
    ws.send(data, { binary: isBinary });
  });
});
server.listen(Number(process.env.PORT), () => console.log('ws listening'));
`;

const DOCKERFILE = `ARG PORTICO_NODE_IMAGE
FROM \${PORTICO_NODE_IMAGE}
WORKDIR /app
COPY server.cjs ./
USER 1000:1000
CMD ["node", "server.cjs"]
`;

describe('WebSocket through a stack on the engine', () => {
  const project = randomProject();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `portico-${project}-`));
    const port = await freePort();
    await writeFiles(dir, {
      'portico.yaml': `version: 1
name: ${project}
gateway:
  port: ${port}
services:
  chat:
    build: { context: services/chat }
    port: 3000
    routes:
      - path: /ws/chat
        websocket: { idleTimeout: 30s }
      - path: /ws/off
        websocket: false
    health: { path: /healthz, interval: 1s }
`,
      'services/chat/Dockerfile': DOCKERFILE,
      'services/chat/server.mjs': SERVER,
    });
    // ws's optional native helpers stay out: it falls back to plain JS without them.
    await build({ entryPoints: [path.join(dir, 'services/chat/server.mjs')], outfile: path.join(dir, 'services/chat/server.cjs'), bundle: true, platform: 'node', format: 'cjs', external: ['bufferutil', 'utf-8-validate'], nodePaths: [path.join(root, 'node_modules')], logLevel: 'silent' });
  }, 120_000);
  afterAll(async () => {
    await cleanup(dir);
  });

  it('echoes text and binary and relays the close code through the gateway; websocket: false refuses', async () => {
    const up = await portico(dir, ['up', '--json', '--timeout', '120']);
    expect(up.exitCode, up.all).toBe(0);
    const gatewayUrl: string = JSON.parse(up.stdout).gateway.url;
    expect((await getThroughGateway(`${gatewayUrl}/ws/chat/`)).status).toBe(200);
    const wsUrl = gatewayUrl.replace(/^http/, 'ws');

    const ws = new WebSocket(`${wsUrl}/ws/chat/room?x=1`);
    const messages: { data: Buffer; isBinary: boolean }[] = [];
    ws.on('message', (data: Buffer, isBinary) => messages.push({ data, isBinary }));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && messages.length < n; i++) await new Promise((r) => setTimeout(r, 25));
      expect(messages.length).toBeGreaterThanOrEqual(n);
    };
    await waitFor(1);
    // The route strips its prefix, as for HTTP.
    expect(messages[0].data.toString()).toBe('hello /room?x=1');
    ws.send('ping');
    ws.send(Buffer.from([1, 2, 3, 0, 255]));
    await waitFor(3);
    expect(messages[1].data.toString()).toBe('ping');
    expect(messages[2].isBinary).toBe(true);
    expect([...messages[2].data]).toEqual([1, 2, 3, 0, 255]);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('bye');
    expect(await closed).toBe(4000);

    const refused = new WebSocket(`${wsUrl}/ws/off/`);
    const status = await new Promise<number>((resolve, reject) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      refused.once('open', () => reject(new Error('opened on a websocket: false route')));
      refused.once('error', reject);
    });
    expect(status).toBe(400);

    let metrics = '';
    for (let i = 0; i < 40 && !metrics.includes('websocket_duration_seconds_count'); i++) {
      metrics = await (await fetch(`${gatewayUrl}/_portico/metrics`)).text();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(metrics).toContain('portico_gateway_websocket_connections{route="chat#0",service="chat"} 0');
    expect(metrics).toMatch(/portico_gateway_websocket_duration_seconds_count\{route="chat#0",service="chat"\} 1/);
    expect(metrics).toMatch(/portico_gateway_nodejs_eventloop_lag_p99_seconds \d/);
    expect(metrics).toMatch(/portico_gateway_process_open_fds \d+/);
  });
});
