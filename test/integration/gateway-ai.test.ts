// AI routes (issue 16) through a real in-process gateway, against fake providers over HTTPS
// (helpers/fake-llm.ts, certificates from a CA made in this test) that speak OpenAI's and
// Anthropic's wire formats as published (helpers/llm-fixtures.ts): translation both ways,
// streaming relay, key injection and non-leakage, quotas, fallback, metrics and analytics,
// prompt endpoints and bad input.
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsDocument } from '../../src/runtime/contract/analytics-api.js';
import type { AiRouteConfig, GatewayConfig, GatewayRoute } from '../../src/runtime/contract/index.js';
import { discovery, fixtureScope, gatewayConfig, route, send, type Reply, type RunningGateway } from './gateway-helpers.js';
import { startFakeLlm, type FakeLlm } from './helpers/fake-llm.js';
import { ANTHROPIC_TOOL_STREAM, ANTHROPIC_TOOL_USE, OPENAI_COMPLETION } from './helpers/llm-fixtures.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';

const OPENAI_KEY = 'sk-test-openai-KEY-0123456789abcdef';
const ANTHROPIC_KEY = 'sk-ant-test-KEY-fedcba9876543210';

let ca: TestCa;
let openai: FakeLlm;
let anthropic: FakeLlm;
const fixtures = fixtureScope();
/** Every log line and response body of the suite, searched for the keys at the end. */
const seen: string[] = [];

beforeAll(async () => {
  ca = makeTestCa();
  const leaf = ca.leaf(['localhost']);
  openai = await startFakeLlm('openai', leaf);
  anthropic = await startFakeLlm('anthropic', leaf);
});
afterEach(async () => {
  openai.plan = [];
  anthropic.plan = [];
  openai.requests = [];
  anthropic.requests = [];
  await fixtures.closeAll();
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
  // No provider key in any response or log line of this suite.
  const all = seen.join('\n');
  expect(all.length).toBeGreaterThan(1000);
  expect(all).not.toContain(OPENAI_KEY);
  expect(all).not.toContain(ANTHROPIC_KEY);
  expect(all).not.toMatch(/at .*\.ts:\d+/); // no stack trace
});

const CHAT: AiRouteConfig = {
  models: { default: 'openai/gpt-4.1-mini', allow: ['openai/*', 'anthropic/claude-*'] },
  fallback: ['anthropic/claude-sonnet-4'],
  tokenLimit: null,
  timeoutMs: 400,
  prompt: null,
};

function aiRoute(id: string, path: string, ai: AiRouteConfig, extra: Partial<GatewayRoute> = {}): GatewayRoute {
  return route({ id, service: 'ai', path, stripPrefix: false, methods: ['POST'], maxBodyBytes: 4096, ai, ...extra });
}

async function gateway(routes: GatewayRoute[] = [aiRoute('ai#0', '/ai/chat', CHAT)], extra: Partial<GatewayConfig> = {}, env: NodeJS.ProcessEnv = {}): Promise<RunningGateway> {
  const capture = (level: string) => (obj: object, msg?: string) => seen.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  return fixtures.gateway({
    config: gatewayConfig(routes, {
      ...extra,
      ai: {
        providers: {
          openai: { kind: 'openai', baseUrl: openai.url, keyEnv: 'OPENAI_API_KEY' },
          anthropic: { kind: 'anthropic', baseUrl: anthropic.url, keyEnv: 'ANTHROPIC_API_KEY' },
        },
      },
    }),
    discovery: discovery({}),
    env: { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, ...env },
    tlsCa: [ca.caCert],
    metrics: true,
    accessLog: true,
    logger: { info: capture('info'), warn: capture('warn'), error: capture('error') },
  });
}

async function post(gw: RunningGateway, path: string, body: unknown, headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  const reply = await send(gw.port, path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  seen.push(JSON.stringify(reply.headers), reply.body);
  return reply;
}

const hello = { messages: [{ role: 'user', content: 'Hello!' }] };

/** The data payloads of an SSE body. */
function dataLines(body: string): string[] {
  return body.split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => b.slice(6));
}

describe('AI routes: OpenAI kind', () => {
  it('relays a completion, injecting the key and never the client credential', async () => {
    const gw = await gateway();
    const reply = await post(gw, '/ai/chat', hello, { authorization: 'Bearer client-own-token', cookie: 'session=abc', 'x-api-key': 'client-key' });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-portico-ai-model']).toBe('openai/gpt-4.1-mini');
    expect(reply.json()).toEqual(OPENAI_COMPLETION);
    const got = openai.requests[0]!;
    expect(got.path).toBe('/v1/chat/completions');
    expect(got.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(got.headers.cookie).toBeUndefined();
    expect(got.headers['x-api-key']).toBeUndefined();
    expect(got.headers.host).toBe(`localhost:${openai.port}`);
    expect(got.body).toEqual({ messages: hello.messages, model: 'gpt-4.1-mini' });
  });

  it('streams chunk by chunk: the first chunk reaches the client while the provider still holds the stream open', async () => {
    const gw = await gateway();
    openai.plan = [{ kind: 'hold' }];
    const chunks: string[] = [];
    const done = new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/ai/chat', method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          chunks.push(c);
          if (chunks.length === 1) openai.release(); // only now does the provider send the rest
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ ...hello, stream: true }));
    });
    const { status, headers } = await done;
    const body = chunks.join('');
    seen.push(body);
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expect(headers['x-portico-ai-model']).toBe('openai/gpt-4.1-mini');
    expect(chunks[0]).toContain('"role":"assistant"');
    expect(chunks[0]).not.toContain('Hello');
    const data = dataLines(body);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.map((d) => (d === '[DONE]' ? '' : (JSON.parse(d).choices[0]?.delta.content ?? ''))).join('')).toBe('Hello!');
    // The gateway asked for usage for itself; the client did not, so the usage chunk is dropped.
    expect(openai.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(data.some((d) => d !== '[DONE]' && JSON.parse(d).choices.length === 0)).toBe(false);
  });

  it('relays the usage chunk when the client asked for it, and counts the tokens in metrics', async () => {
    const gw = await gateway();
    const reply = await post(gw, '/ai/chat', { ...hello, stream: true, stream_options: { include_usage: true } });
    const usage = dataLines(reply.body).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)).find((c) => c.choices.length === 0);
    expect(usage.usage).toEqual({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    const metrics = (await send(gw.port, '/_portico/metrics')).body;
    expect(metrics).toContain('portico_ai_tokens_total{route="ai#0",consumer="anonymous",provider="openai",model="gpt-4.1-mini",direction="input"} 9');
    expect(metrics).toContain('portico_ai_tokens_total{route="ai#0",consumer="anonymous",provider="openai",model="gpt-4.1-mini",direction="output"} 3');
  });
});

describe('AI routes: Anthropic translation', () => {
  it('translates the request (system, tools, tool results) and the answer both ways', async () => {
    const gw = await gateway();
    anthropic.plan = [{ kind: 'ok', json: ANTHROPIC_TOOL_USE }];
    const reply = await post(gw, '/ai/chat', {
      model: 'anthropic/claude-sonnet-4',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in SF?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '15 degrees' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Get the weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } }],
      tool_choice: 'auto',
      stop: 'END',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-portico-ai-model']).toBe('anthropic/claude-sonnet-4');
    const got = anthropic.requests[0]!;
    expect(got.path).toBe('/v1/messages');
    expect(got.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(got.headers['anthropic-version']).toBe('2023-06-01');
    expect(got.headers.authorization).toBeUndefined();
    expect(got.body).toEqual({
      model: 'claude-sonnet-4',
      max_tokens: 4096,
      system: 'You are terse.',
      stop_sequences: ['END'],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in SF?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'SF' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '15 degrees' }, { type: 'text', text: 'And tomorrow?' }] },
      ],
      tools: [{ name: 'get_weather', description: 'Get the weather', input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }],
      tool_choice: { type: 'auto' },
    });
    const answer = reply.json();
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: "I'll check the weather in San Francisco for you.", tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' } }] },
      finish_reason: 'tool_calls',
    });
    expect(answer.usage).toEqual({ prompt_tokens: 384, completion_tokens: 68, total_tokens: 452 });
  });

  it('translates the event stream into OpenAI chunks, with usage and [DONE]', async () => {
    const gw = await gateway();
    const reply = await post(gw, '/ai/chat', { ...hello, model: 'anthropic/claude-sonnet-4', stream: true, stream_options: { include_usage: true } });
    expect(reply.status).toBe(200);
    const data = dataLines(reply.body);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY')).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello!');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
  });

  it('streams tool_use blocks as tool_calls deltas', async () => {
    const gw = await gateway();
    anthropic.plan = [{ kind: 'ok', events: ANTHROPIC_TOOL_STREAM }];
    const reply = await post(gw, '/ai/chat', { ...hello, model: 'anthropic/claude-sonnet-4', stream: true });
    const chunks = dataLines(reply.body).slice(0, -1).map((d) => JSON.parse(d));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(calls.map((c: any) => c.function.arguments).join('')).toBe('{"location": "San Francisco, CA"}');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('AI routes: fallback', () => {
  for (const [what, answer] of [
    ['429', { kind: 'status', status: 429 }],
    ['500', { kind: 'status', status: 500, json: { error: { message: 'The server had an error', type: 'server_error' } } }],
    ['a hang', { kind: 'hang' }],
    ['garbage', { kind: 'garbage' }],
  ] as const) {
    it(`falls back to the next model when the first answers ${what}, and says so in the header and metrics`, async () => {
      const gw = await gateway();
      openai.plan = [answer];
      const reply = await post(gw, '/ai/chat', hello);
      expect(reply.status).toBe(200);
      expect(reply.headers['x-portico-ai-model']).toBe('anthropic/claude-sonnet-4');
      expect(reply.json().choices[0].message.content).toBe('Hi! My name is Claude.');
      const metrics = (await send(gw.port, '/_portico/metrics')).body;
      expect(metrics).toContain('portico_ai_requests_total{route="ai#0",provider="anthropic",model="claude-sonnet-4",fallback="true"} 1');
    });
  }

  it('answers the last error when every model failed: 504 after timeouts, 429 after rate limits', async () => {
    const gw = await gateway();
    openai.plan = [{ kind: 'hang' }];
    anthropic.plan = [{ kind: 'hang' }];
    const timedOut = await post(gw, '/ai/chat', hello);
    expect(timedOut.status).toBe(504);
    expect(timedOut.json()).toEqual({ error: { message: 'provider anthropic did not answer in time', type: 'timeout_error', code: 'provider_timeout' } });
    openai.plan = [{ kind: 'status', status: 429 }];
    anthropic.plan = [{ kind: 'status', status: 429 }];
    const limited = await post(gw, '/ai/chat', hello);
    expect(limited.status).toBe(429);
    expect(limited.json().error.code).toBe('provider_rate_limited');
  });
});

describe('AI routes: analytics', () => {
  it('counts calls and tokens per consumer, route, provider and model, with fallback hops and a streamed completion\'s usage', async () => {
    const ADMIN = 'admin-token-for-tests-0123456789';
    const gw = await gateway(
      [aiRoute('ai#0', '/ai/chat', CHAT, { auth: 'optional' })],
      { auth: { apiKeys: [{ name: 'alice', env: 'ALICE_KEY' }, { name: 'bob', env: 'BOB_KEY' }], jwt: null }, admin: { tokenEnv: 'ADMIN' }, analytics: { enabled: true } },
      { ALICE_KEY: 'alice-key', BOB_KEY: 'bob-key', ADMIN },
    );
    const alice = { 'x-api-key': 'alice-key' };
    // alice: a completion (19 + 10 tokens) and a streamed one with usage (9 + 3).
    expect((await post(gw, '/ai/chat', hello, alice)).status).toBe(200);
    const streamed = await post(gw, '/ai/chat', { ...hello, stream: true, stream_options: { include_usage: true } }, alice);
    expect(streamed.status).toBe(200);
    // bob: openai answers 500, anthropic answers (2095 + 503 tokens).
    openai.plan = [{ kind: 'status', status: 500, json: { error: { message: 'The server had an error', type: 'server_error' } } }];
    const fellBack = await post(gw, '/ai/chat', hello, { 'x-api-key': 'bob-key' });
    expect(fellBack.headers['x-portico-ai-model']).toBe('anthropic/claude-sonnet-4');
    // anonymous: an Anthropic stream asked for by name (25 + 15 tokens).
    expect((await post(gw, '/ai/chat', { ...hello, model: 'anthropic/claude-sonnet-4', stream: true })).status).toBe(200);

    const analytics = async (query: string): Promise<AnalyticsDocument> => (await send(gw.port, `/_portico/analytics?window=5m${query}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
    const doc = await analytics('&by=consumer');
    const row = (consumer: string, provider: string, model: string) => doc.ai.usage.find((u) => u.consumer === consumer && u.provider === provider && u.model === model);
    expect(row('alice', 'openai', 'gpt-4.1-mini')).toEqual({ route: 'ai#0', service: 'ai', consumer: 'alice', provider: 'openai', model: 'gpt-4.1-mini', requests: 2, inputTokens: 28, outputTokens: 13, fallbacks: 0 });
    expect(row('bob', 'anthropic', 'claude-sonnet-4')).toEqual({ route: 'ai#0', service: 'ai', consumer: 'bob', provider: 'anthropic', model: 'claude-sonnet-4', requests: 1, inputTokens: 2095, outputTokens: 503, fallbacks: 1 });
    expect(row('anonymous', 'anthropic', 'claude-sonnet-4')).toMatchObject({ requests: 1, inputTokens: 25, outputTokens: 15, fallbacks: 0 });
    expect(doc.ai.usage).toHaveLength(3);
    expect(doc.ai.fallbacks).toEqual([{ route: 'ai#0', from: 'openai/gpt-4.1-mini', to: 'anthropic/claude-sonnet-4', count: 1 }]);
    expect(doc.totals.ai).toEqual({ requests: 4, inputTokens: 28 + 2095 + 25, outputTokens: 13 + 503 + 15, fallbacks: 1 });
    expect(doc.groups.find((g) => g.key === 'alice')!.ai).toEqual({ requests: 2, inputTokens: 28, outputTokens: 13, fallbacks: 0 });
    // by=model: the model that answered; the same numbers as portico_ai_tokens_total.
    const byModel = await analytics('&by=model');
    expect(byModel.groups.map((g) => [g.key, g.requests, g.ai.inputTokens, g.ai.outputTokens])).toEqual([
      ['anthropic/claude-sonnet-4', 2, 2120, 518],
      ['openai/gpt-4.1-mini', 2, 28, 13],
    ]);
    const metrics = (await send(gw.port, '/_portico/metrics')).body;
    expect(metrics).toContain('portico_ai_tokens_total{route="ai#0",consumer="bob",provider="anthropic",model="claude-sonnet-4",direction="input"} 2095');
    expect(metrics).toContain('portico_ai_tokens_total{route="ai#0",consumer="alice",provider="openai",model="gpt-4.1-mini",direction="output"} 13');
  });
});

describe('AI routes: token quotas', () => {
  it('refuses with 429 and Retry-After once the recorded usage reached the budget', async () => {
    const gw = await gateway([aiRoute('ai#0', '/ai/chat', { ...CHAT, tokenLimit: { tokens: 40, perMs: 60_000, by: 'ip' } })]);
    expect((await post(gw, '/ai/chat', hello)).status).toBe(200); // 29 tokens used
    expect((await post(gw, '/ai/chat', hello)).status).toBe(200); // under 40 before the call: 58 used
    const refused = await post(gw, '/ai/chat', hello);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({ error: { message: 'token quota exceeded for this consumer', type: 'rate_limit_error', code: 'token_quota_exceeded' } });
    expect(openai.requests).toHaveLength(2);
  });
});

describe('AI routes: bad input and provider failures', () => {
  it('answers OpenAI-style errors with documented statuses', async () => {
    const gw = await gateway();
    const cases: [unknown, number, string][] = [
      ['{"messages": [', 400, 'invalid_json'],
      [{ messages: [] }, 400, 'invalid_request'],
      [{ ...hello, model: 'gpt-4' }, 400, 'invalid_model'],
      [{ ...hello, model: 'mistral/large' }, 404, 'model_not_found'],
      [{ ...hello, model: 'anthropic/opus-legacy' }, 403, 'model_not_allowed'],
      [{ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }, 413, 'request_too_large'],
    ];
    for (const [body, status, code] of cases) {
      const reply = await post(gw, '/ai/chat', body);
      expect({ status: reply.status, code: reply.json().error.code }).toEqual({ status, code });
      expect(Object.keys(reply.json().error).sort()).toEqual(['code', 'message', 'type']);
    }
    expect(openai.requests).toHaveLength(0);
  });

  it('a provider rejecting the key is a 502 naming the env var, not the key; a 4xx echoing the key is relayed scrubbed', async () => {
    const gw = await gateway();
    const echoed = { error: { message: `Incorrect API key provided: ${OPENAI_KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } };
    openai.plan = [{ kind: 'status', status: 401, json: echoed }];
    anthropic.plan = [{ kind: 'status', status: 401, json: echoed }];
    const auth = await post(gw, '/ai/chat', hello);
    expect(auth.status).toBe(502);
    expect(auth.json().error).toEqual({ message: "provider anthropic rejected the gateway's credentials (check ANTHROPIC_API_KEY)", type: 'api_error', code: 'provider_auth_failed' });
    openai.plan = [{ kind: 'status', status: 400, json: { error: { message: `bad value near ${OPENAI_KEY}`, type: 'invalid_request_error', code: 'invalid_value' } } }];
    const relayed = await post(gw, '/ai/chat', hello);
    expect(relayed.status).toBe(400);
    expect(relayed.json().error).toEqual({ message: 'bad value near ***', type: 'invalid_request_error', code: 'invalid_value' });
  });
});

describe('AI routes: prompt endpoints', () => {
  it('renders the handlebars prompt from the validated input and answers the output', async () => {
    const prompt: AiRouteConfig = {
      ...CHAT,
      models: { default: 'anthropic/claude-sonnet-4', allow: ['anthropic/claude-sonnet-4'] },
      fallback: [],
      prompt: {
        name: 'summarize',
        description: 'Summarize a text',
        system: 'You summarize in {{language}}.',
        prompt: 'Summarize in at most {{words}} words:\n{{text}}',
        inputSchema: { type: 'object', properties: { text: { type: 'string', minLength: 1 }, words: { type: 'integer' }, language: { type: 'string' } }, required: ['text', 'words', 'language'], additionalProperties: false },
      },
    };
    const gw = await gateway([aiRoute('ai#summarize', '/ai/summarize', prompt)]);
    const reply = await post(gw, '/ai/summarize', { text: 'A <long> & winding text.', words: 12, language: 'French' });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ model: 'anthropic/claude-sonnet-4', output: 'Hi! My name is Claude.', usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 } });
    expect(anthropic.requests[0]!.body.system).toBe('You summarize in French.');
    expect(anthropic.requests[0]!.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Summarize in at most 12 words:\nA <long> & winding text.' }] }]);
    const invalid = await post(gw, '/ai/summarize', { text: '', words: 12, language: 'French' });
    expect(invalid.status).toBe(400);
    expect(invalid.json().error.code).toBe('invalid_request');
    expect(invalid.json().error.message).toMatch(/^text: /);
  });
});

describe('AI routes: the catalog', () => {
  it('lists the prompt endpoints (and chat routes) as the ai service with an OpenAPI document, so MCP can offer them as tools', async () => {
    const { compileGateway } = await import('../../src/compile/gateway.js');
    const { parseManifest } = await import('../../src/manifest/load.js');
    const manifest = parseManifest(
      `version: 1
name: shop
gateway:
  ai:
    providers:
      anthropic: { kind: anthropic, keyEnv: ANTHROPIC_API_KEY, baseUrl: "${anthropic.url}" }
    routes:
      - { path: /ai/chat, models: { default: anthropic/claude-sonnet-4 }, auth: none }
    prompts:
      summarize:
        description: Summarize a text
        model: anthropic/claude-sonnet-4
        prompt: "Summarize: {{text}}"
        input: { type: object, properties: { text: { type: string } }, required: [text] }
        auth: none
`,
      '/w/portico.yaml',
    ).manifest;
    const config = { ...compileGateway(manifest), registry: null };
    const gw = await fixtures.gateway({ config, discovery: discovery({}), env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, PORTICO_ADMIN_TOKEN: 'admin-tok' }, tlsCa: [ca.caCert] });
    const admin = { authorization: 'Bearer admin-tok' };
    const list = await send(gw.port, '/_portico/catalog', { headers: admin });
    seen.push(list.body);
    expect(list.status).toBe(200);
    expect(list.body).toContain('"ai"');
    let doc: any;
    for (let i = 0; i < 50; i++) {
      const reply = await send(gw.port, '/_portico/catalog/ai/openapi.json', { headers: admin });
      if (reply.status === 200) {
        doc = reply.json();
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(doc.paths['/ai/summarize'].post).toMatchObject({ operationId: 'summarize', summary: 'Summarize a text', requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['text'] } } } } });
    expect(doc.paths['/ai/chat'].post.operationId).toBe('ai_chat_0');
    // And the endpoint it lists answers.
    const reply = await post(gw, '/ai/summarize', { text: 'hello' });
    expect(reply.status).toBe(200);
    expect(reply.json().output).toBe('Hi! My name is Claude.');
  });
});
