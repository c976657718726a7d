// gateway.ai in the manifest -> gateway.json (compile/ai.ts) and its semantic checks
// (manifest/validate-ai.ts), with file:line for each problem.
import { describe, expect, it } from 'vitest';
import { compileGateway } from '../../src/compile/gateway.js';
import { gatewaySecretEnvNames } from '../../src/compile/plan.js';
import { parseManifest } from '../../src/manifest/load.js';
import { semanticProblems } from '../../src/manifest/validate.js';
import { gatewayConfigSchema } from '../../src/runtime/contract/index.js';
import { secretEnvNames } from '../../src/runtime/gateway/env-files.js';

const MANIFEST = `version: 1
name: shop
gateway:
  auth:
    apiKeys: [{ name: web, env: WEB_KEY }]
  ai:
    providers:
      openai: { kind: openai, keyEnv: OPENAI_API_KEY }
      anthropic: { kind: anthropic, keyEnv: ANTHROPIC_API_KEY }
      local: { kind: openai, baseUrl: "http://ollama:11434/v1/" }
    routes:
      - path: /ai/chat
        models: { default: openai/gpt-4.1-mini, allow: [openai/*, anthropic/claude-*] }
        fallback: [anthropic/claude-sonnet-4]
        tokenLimit: { tokens: 200000, per: 1d, by: apiKey }
    prompts:
      summarize:
        description: Summarize a text
        model: local/llama3
        prompt: "Summarize: {{text}}"
        input: { type: object, properties: { text: { type: string } }, required: [text] }
        auth: none
services:
  orders:
    template: node-ts
    routes: [{ path: /api/orders }]
`;

const load = (text: string) => parseManifest(text, '/w/portico.yaml');

describe('gateway.ai -> gateway.json', () => {
  it('compiles providers with default URLs and AI routes and prompts as routes of the ai pseudo-service', () => {
    const config = compileGateway(load(MANIFEST).manifest);
    expect(gatewayConfigSchema.parse(config)).toEqual(config);
    expect(config.ai).toEqual({
      providers: {
        openai: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', keyEnv: 'OPENAI_API_KEY' },
        anthropic: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', keyEnv: 'ANTHROPIC_API_KEY' },
        local: { kind: 'openai', baseUrl: 'http://ollama:11434/v1', keyEnv: null },
      },
    });
    const [chat, summarize] = config.routes.filter((r) => r.service === 'ai');
    expect(chat).toMatchObject({ id: 'ai#0', path: '/ai/chat', methods: ['POST'], stripPrefix: false, auth: 'required', cache: null });
    expect(chat!.ai).toEqual({
      models: { default: 'openai/gpt-4.1-mini', allow: ['openai/*', 'anthropic/claude-*'] },
      fallback: ['anthropic/claude-sonnet-4'],
      tokenLimit: { tokens: 200000, perMs: 86_400_000, by: 'apiKey' },
      timeoutMs: 60_000,
      prompt: null,
    });
    expect(summarize).toMatchObject({ id: 'ai#summarize', path: '/ai/summarize', methods: ['POST'], auth: 'none' });
    expect(summarize!.ai!.prompt).toEqual({ name: 'summarize', description: 'Summarize a text', system: null, prompt: 'Summarize: {{text}}', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } });
    expect(config.routes.find((r) => r.service === 'orders')!.ai).toBeUndefined();
  });

  it('passes the provider keys to the gateway container by env var name', () => {
    const m = load(MANIFEST).manifest;
    expect(gatewaySecretEnvNames(m)).toEqual(['WEB_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);
    expect(secretEnvNames(compileGateway(m))).toEqual(expect.arrayContaining(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']));
  });

  it('a manifest without gateway.ai compiles as before (no ai key, no ai routes)', () => {
    const config = compileGateway(load('version: 1\nname: shop\nservices:\n  orders:\n    template: node-ts\n    routes: [{ path: /api }]\n').manifest);
    expect('ai' in config).toBe(false);
    expect(config.routes.every((r) => r.ai === undefined)).toBe(true);
  });
});

describe('gateway.ai checks', () => {
  const problems = (text: string) => semanticProblems(load(text), ['node-ts']).map((p) => `${p.line}: ${p.message}`);

  it('accepts the sample', () => {
    expect(problems(MANIFEST)).toEqual([]);
  });

  it('names unknown providers, colliding paths, bad templates and schemas, with their lines', () => {
    const bad = MANIFEST.replace('fallback: [anthropic/claude-sonnet-4]', 'fallback: [mistral/large]')
      .replace('path: /ai/chat', 'path: /api/orders')
      .replace('prompt: "Summarize: {{text}}"', 'prompt: "Summarize: {{#if text}}"')
      .replace('properties: { text: { type: string } }', 'properties: { text: { type: texty } }');
    expect(problems(bad)).toEqual([
      expect.stringMatching(/^12: path \/api\/orders collides with services\.orders\.routes\.0/),
      expect.stringMatching(/^14: model "mistral\/large" names provider "mistral", which gateway.ai.providers does not define/),
      expect.stringMatching(/^20: the handlebars template does not parse/),
      expect.stringMatching(/^21: not a JSON Schema the gateway can check: Unsupported type: texty/),
    ]);
  });

  it('rejects a malformed model reference in the schema, and auth without credentials', () => {
    expect(() => load(MANIFEST.replace('default: openai/gpt-4.1-mini', 'default: gpt-4'))).toThrow(/portico\.yaml:13.*<provider>\/<model>/s);
    const noKeys = MANIFEST.replace('    apiKeys: [{ name: web, env: WEB_KEY }]\n', '    apiKeys: []\n');
    expect(problems(noKeys)).toEqual([
      expect.stringMatching(/^12: auth: required needs credentials/),
      expect.stringMatching(/^15: a token limit by apiKey needs API keys/),
    ]);
  });
});
