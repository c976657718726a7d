// Provider answers in each provider's real wire format, copied from the published API
// references (ids, models and texts as shown there; token counts adjusted where a test sums
// them). No provider is reached: the fake servers in fake-llm.ts answer with these.
//
// OpenAI Chat Completions
//   object:    https://platform.openai.com/docs/api-reference/chat/object
//   streaming: https://platform.openai.com/docs/api-reference/chat-streaming/streaming
//              (chunk object; with stream_options.include_usage a last chunk with empty choices
//              and the usage: https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options)
//   tools:     https://platform.openai.com/docs/guides/function-calling
// Anthropic Messages
//   response:  https://docs.anthropic.com/en/api/messages
//   streaming: https://docs.anthropic.com/en/docs/build-with-claude/streaming
//              (message_start, content_block_start/delta/stop, ping, message_delta with usage, message_stop)
//   tool use:  https://docs.anthropic.com/en/docs/build-with-claude/tool-use (tool_use blocks, input_json_delta)
//   errors:    https://docs.anthropic.com/en/api/errors

export const OPENAI_COMPLETION = {
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4.1-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I assist you today?', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
  service_tier: 'default',
};

const chunk = (delta: object, finish: string | null) => ({
  id: 'chatcmpl-123',
  object: 'chat.completion.chunk',
  created: 1694268190,
  model: 'gpt-4o-mini',
  system_fingerprint: 'fp_44709d6fcb',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  usage: null,
});

/** The data lines of a streamed completion ("Hello!"), the usage chunk last, then [DONE]. */
export const OPENAI_STREAM: string[] = [
  JSON.stringify(chunk({ role: 'assistant', content: '' }, null)),
  JSON.stringify(chunk({ content: 'Hello' }, null)),
  JSON.stringify(chunk({ content: '!' }, null)),
  JSON.stringify(chunk({}, 'stop')),
  JSON.stringify({ id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-mini', system_fingerprint: 'fp_44709d6fcb', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } }),
  '[DONE]',
];

export const OPENAI_RATE_LIMITED = { error: { message: 'Rate limit reached for gpt-4.1 in organization org-xyz on tokens per min (TPM).', type: 'tokens', param: null, code: 'rate_limit_exceeded' } };

export const ANTHROPIC_MESSAGE = {
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503 },
};

export const ANTHROPIC_TOOL_USE = {
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  content: [
    { type: 'text', text: "I'll check the weather in San Francisco for you." },
    { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 384, output_tokens: 68 },
};

/** [event, data] pairs of a streamed text message ("Hello!"). */
export const ANTHROPIC_STREAM: [string, object][] = [
  ['message_start', { type: 'message_start', message: { id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', type: 'message', role: 'assistant', content: [], model: 'claude-opus-4-20250514', stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['ping', { type: 'ping' }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }],
  ['message_stop', { type: 'message_stop' }],
];

/** A streamed tool call (the streaming guide's get_weather example). */
export const ANTHROPIC_TOOL_STREAM: [string, object][] = [
  ['message_start', { type: 'message_start', message: { id: 'msg_014p7gG3wDgGV9EUtLvnow3U', type: 'message', role: 'assistant', model: 'claude-sonnet-4-20250514', stop_sequence: null, usage: { input_tokens: 472, output_tokens: 2 }, content: [], stop_reason: null } }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Okay, let me check.' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location":' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' "San Francisco, CA"}' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 1 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }],
  ['message_stop', { type: 'message_stop' }],
];

export const ANTHROPIC_OVERLOADED = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
