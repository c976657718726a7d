// Pure parts of the AI feature: model references and allow globs, the attempt order, token
// quota windows, and the Anthropic translation details the integration tests do not reach.
import { describe, expect, it } from 'vitest';
import type { AiRouteConfig } from '../../src/runtime/contract/index.js';
import { AnthropicStreamTranslator, fromAnthropicResponse, toAnthropicRequest } from '../../src/runtime/gateway/features/ai/anthropic.js';
import { attemptOrder, globMatch, isAllowed, parseModelRef } from '../../src/runtime/gateway/features/ai/models.js';
import { TokenQuota } from '../../src/runtime/gateway/features/ai/quota.js';
import { usageOf } from '../../src/runtime/gateway/features/ai/wire.js';

const config: AiRouteConfig = { models: { default: 'openai/gpt-4.1-mini', allow: ['openai/*', 'anthropic/claude-*-4'] }, fallback: ['anthropic/claude-sonnet-4', 'local/llama'], tokenLimit: null, timeoutMs: 1000, prompt: null };

describe('models', () => {
  it('parses <provider>/<model>, keeping further slashes in the model', () => {
    expect(parseModelRef('local/meta/llama-3')).toEqual({ id: 'local/meta/llama-3', provider: 'local', model: 'meta/llama-3' });
    for (const bad of ['gpt-4', '/x', 'x/']) expect(parseModelRef(bad)).toBeNull();
  });

  it('matches globs with * anywhere, and only whole names', () => {
    expect(globMatch('openai/*', 'openai/gpt-4o')).toBe(true);
    expect(globMatch('anthropic/claude-*-4', 'anthropic/claude-sonnet-4')).toBe(true);
    expect(globMatch('anthropic/claude-*-4', 'anthropic/claude-sonnet-4.5')).toBe(false);
    expect(globMatch('a*b*c', 'abc')).toBe(true);
    expect(globMatch('a*b*c', 'acb')).toBe(false);
    expect(globMatch('openai/gpt-4', 'openai/gpt-4o')).toBe(false);
  });

  it('always allows the default and the fallbacks; tries the requested model, then the fallbacks once each', () => {
    expect(isAllowed(config, 'local/llama')).toBe(true);
    expect(isAllowed(config, 'local/other')).toBe(false);
    expect(attemptOrder(config, 'anthropic/claude-sonnet-4')).toEqual(['anthropic/claude-sonnet-4', 'local/llama']);
  });
});

describe('TokenQuota', () => {
  it('allows until the recorded usage reaches the budget, then tells how long until the window ends', () => {
    const q = new TokenQuota({ tokens: 100, perMs: 60_000, by: 'ip' });
    expect(q.check('a', 0)).toEqual({ allowed: true });
    q.record('a', 99, 1000);
    expect(q.check('a', 2000)).toEqual({ allowed: true });
    q.record('a', 5, 2000);
    expect(q.check('a', 2000)).toEqual({ allowed: false, retryAfterSeconds: 59 });
    expect(q.check('b', 2000)).toEqual({ allowed: true });
    expect(q.check('a', 61_000)).toEqual({ allowed: true }); // a new window
  });
});

describe('Anthropic translation', () => {
  it('maps max_completion_tokens, images, tool_choice and user', () => {
    const body = toAnthropicRequest(
      {
        max_completion_tokens: 50,
        user: 'u1',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0' } }] }],
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
      },
      'claude-x',
    );
    expect(body).toMatchObject({
      model: 'claude-x',
      max_tokens: 50,
      metadata: { user_id: 'u1' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0' } }] }],
      tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'tool', name: 'f' },
    });
  });

  it('refuses what is not a Messages answer, and maps max_tokens to length', () => {
    expect(fromAnthropicResponse({ type: 'error', error: {} }, 0)).toBeNull();
    expect(fromAnthropicResponse({ content: [{ type: 'text', text: 'x' }], stop_reason: 'max_tokens', usage: { input_tokens: 1, output_tokens: 2 } }, 0)!.choices[0]!.finish_reason).toBe('length');
  });

  it('ends a stream on an error event and keeps its message', () => {
    const t = new AnthropicStreamTranslator(0, false);
    expect(t.translate('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual({ chunks: [], done: true });
    expect(t.error).toBe('Overloaded');
  });

  it('reads usage of either wire format, cache tokens counted as input', () => {
    expect(usageOf({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })).toEqual({ input: 3, output: 4 });
    expect(usageOf({ input_tokens: 3, cache_read_input_tokens: 10, output_tokens: 4 })).toEqual({ input: 13, output: 4 });
    expect(usageOf(null)).toBeNull();
  });
});
