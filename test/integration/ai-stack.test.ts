// AI routes on the real engine: the gateway container reaches a fake OpenAI-compatible provider
// that is a service of the stack itself (an express template service with a /v1/chat/completions
// handler added), over the project's own Docker network only, with the key from the
// workspace's .env injected by the gateway; a plain and a streamed completion come back.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, makeWorkspace, portico, randomProject } from './helpers/stack.js';

const KEY = 'sk-stack-test-0123456789abcdef';

// A fake provider answering like OpenAI (https://platform.openai.com/docs/api-reference/chat):
// the reply says whether the gateway sent the expected key, so the test sees key injection.
const FAKE_PROVIDER = `
function fakeProvider(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const request = JSON.parse(body || '{}');
    const keyOk = req.headers.authorization === 'Bearer ' + process.env.FAKE_EXPECTED_KEY;
    const text = 'model=' + request.model + ' key=' + (keyOk ? 'ok' : 'wrong');
    const base = { id: 'chatcmpl-stack', created: 1741569952, model: request.model };
    if (request.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ' + JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }] }) + '\\n\\n');
      res.write('data: ' + JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }) + '\\n\\n');
      res.end('data: [DONE]\\n\\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }));
  });
}
`;

describe('AI routes (real engine)', () => {
  const project = randomProject();
  let dir: string;
  let gatewayUrl: string;

  beforeAll(async () => {
    dir = await makeWorkspace(project, [['fakellm', '-t', 'node-express', '-r', '/api/fakellm']]);
    const index = path.join(dir, 'services', 'fakellm', 'src', 'index.ts');
    const source = (await readFile(index, 'utf8')).replace(
      'const server = createServer(app);',
      'const server = createServer((req, res) => (req.url?.startsWith(\'/v1/\') ? fakeProvider(req, res) : app(req, res)));',
    );
    expect(source).toContain('fakeProvider(req, res)');
    await writeFile(index, source + FAKE_PROVIDER);
    const file = path.join(dir, 'portico.yaml');
    const manifest = (await readFile(file, 'utf8'))
      .replace(
        /^gateway:\n/m,
        `gateway:\n  ai:\n    providers:\n      local: { kind: openai, keyEnv: FAKE_LLM_KEY, baseUrl: "http://${project}-fakellm-1:3000/v1" }\n    routes:\n      - { path: /ai/chat, models: { default: local/fake-model }, auth: none }\n`,
      )
      .replace(/(  fakellm:\n)/, `$1    env: { FAKE_EXPECTED_KEY: "${KEY}" }\n`);
    await writeFile(file, manifest);
    await writeFile(path.join(dir, '.env'), `FAKE_LLM_KEY=${KEY}\n`);
    const up = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(up.exitCode, up.all).toBe(0);
    gatewayUrl = JSON.parse(up.stdout).gateway.url;
  }, 300_000);
  afterAll(async () => {
    await cleanup(dir);
  }, 120_000);

  it('answers a completion from the stack-internal provider with the injected key', async () => {
    const res = await fetch(`${gatewayUrl}/ai/chat`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-token' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(res.headers.get('x-portico-ai-model')).toBe('local/fake-model');
    expect(JSON.parse(body).choices[0].message.content).toBe('model=fake-model key=ok');
    expect(body).not.toContain(KEY);
  });

  it('relays a streamed completion and counts its tokens', async () => {
    const res = await fetch(`${gatewayUrl}/ai/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'hi' }] }) });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(body).toContain('model=fake-model key=ok');
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
    const metrics = await (await fetch(`${gatewayUrl}/_portico/metrics`)).text();
    expect(metrics).toMatch(/portico_ai_tokens_total\{route="ai#0",consumer="anonymous",provider="local",model="fake-model",direction="output"\} [24]/);
  });
});
