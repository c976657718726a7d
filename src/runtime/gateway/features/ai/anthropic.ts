// OpenAI Chat Completions <-> Anthropic Messages, both ways, for requests, whole answers and
// streams. Pure. References:
//   https://docs.anthropic.com/en/api/messages              (request and response)
//   https://docs.anthropic.com/en/docs/build-with-claude/streaming  (event stream)
//   https://docs.anthropic.com/en/docs/build-with-claude/tool-use   (tool_use / tool_result)
import type { ChatChunk, ChatCompletion, ChatMessage, ChatRequest, ChatToolCall, Usage } from './wire.js';

/** Anthropic requires max_tokens; OpenAI does not. Used when the request names none. */
export const DEFAULT_MAX_TOKENS = 4096;

type Block =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const STOP_REASONS: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', pause_turn: 'stop', refusal: 'content_filter' };

export function finishReason(stop: string | null | undefined): string | null {
  if (stop === null || stop === undefined) return null;
  return STOP_REASONS[stop] ?? 'stop';
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

function blocksOf(content: ChatMessage['content']): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: Block[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push({ type: 'text', text: part.text ?? '' });
    else if (part.type === 'image_url' && part.image_url !== undefined) {
      const m = /^data:([^;,]+);base64,(.*)$/s.exec(part.image_url.url);
      blocks.push({ type: 'image', source: m === null ? { type: 'url', url: part.image_url.url } : { type: 'base64', media_type: m[1]!, data: m[2]! } });
    }
  }
  return blocks;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text);
  } catch {
    return {};
  }
}

/** OpenAI messages -> Anthropic's system text and alternating user/assistant messages. */
function translateMessages(messages: readonly ChatMessage[]): { system: string; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], blocks: Block[]): void => {
    const last = out[out.length - 1];
    // Consecutive turns of one role (several tool results, user after tool) become one message.
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
    else if (m.role === 'user') push('user', blocksOf(m.content));
    else if (m.role === 'tool') push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOf(m.content) }]);
    else if (m.role === 'assistant') {
      const blocks = blocksOf(m.content);
      for (const call of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
      push('assistant', blocks);
    }
  }
  return { system: system.join('\n\n'), messages: out };
}

function toolChoice(choice: ChatRequest['tool_choice']): object | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.function.name };
}

/** The Anthropic Messages request for an OpenAI chat request, for `model`. */
export function toAnthropicRequest(req: ChatRequest, model: string): Record<string, unknown> {
  const { system, messages } = translateMessages(req.messages);
  const body: Record<string, unknown> = {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system !== '') body.system = system;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.top_p !== undefined) body.top_p = req.top_p;
  if (req.stop !== undefined) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.stream === true) body.stream = true;
  if (req.tools !== undefined && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({ name: t.function.name, description: t.function.description, input_schema: t.function.parameters ?? { type: 'object', properties: {} } }));
    const choice = toolChoice(req.tool_choice);
    if (choice !== undefined) body.tool_choice = choice;
  }
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  return body;
}

interface AnthropicResponse {
  id?: string;
  model?: string;
  content?: { type: string; text?: string; id?: string; name?: string; input?: unknown }[];
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
}

function usage(input: number, output: number): Usage {
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

function inputTokens(u: AnthropicResponse['usage']): number {
  return (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);
}

/** An Anthropic Messages answer -> an OpenAI chat completion; null when it is not one. */
export function fromAnthropicResponse(value: unknown, now: number): ChatCompletion | null {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as AnthropicResponse).content)) return null;
  const r = value as AnthropicResponse;
  let text = '';
  const calls: ChatToolCall[] = [];
  for (const block of r.content!) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'tool_use') calls.push({ id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) } });
  }
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: r.id ?? 'msg',
    object: 'chat.completion',
    created: Math.floor(now / 1000),
    model: r.model ?? '',
    choices: [{ index: 0, message, finish_reason: finishReason(r.stop_reason) }],
    usage: usage(inputTokens(r.usage), r.usage?.output_tokens ?? 0),
  };
}

/**
 * Anthropic's event stream -> OpenAI chunks, one event at a time (nothing is held back: each
 * event yields its chunks at once). Tool-use blocks become `tool_calls` deltas with their own
 * index; input_json_delta pieces become argument fragments, as OpenAI streams them.
 */
export class AnthropicStreamTranslator {
  id = 'msg';
  model = '';
  inputTokens = 0;
  outputTokens = 0;
  /** An `error` event arrived: its message (the stream ends after it). */
  error: string | null = null;
  private readonly created: number;
  /** Anthropic content block index -> OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();

  constructor(
    now: number,
    /** The client asked for a final usage chunk (stream_options.include_usage). */
    private readonly includeUsage: boolean,
  ) {
    this.created = Math.floor(now / 1000);
  }

  /** The OpenAI chunks for one Anthropic event (`data` parsed JSON); `done` once the message ended. */
  translate(event: string, data: any): { chunks: ChatChunk[]; done: boolean } {
    switch (event) {
      case 'message_start': {
        const m = data?.message ?? {};
        this.id = m.id ?? this.id;
        this.model = m.model ?? this.model;
        this.inputTokens = inputTokens(m.usage);
        this.outputTokens = m.usage?.output_tokens ?? 0;
        return { chunks: [this.chunk({ role: 'assistant', content: '' }, null)], done: false };
      }
      case 'content_block_start': {
        const block = data?.content_block;
        if (block?.type !== 'tool_use') return { chunks: [], done: false };
        const index = this.toolIndex.size;
        this.toolIndex.set(data.index, index);
        return { chunks: [this.chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] }, null)], done: false };
      }
      case 'content_block_delta': {
        const delta = data?.delta;
        if (delta?.type === 'text_delta') return { chunks: [this.chunk({ content: delta.text }, null)], done: false };
        if (delta?.type === 'input_json_delta') {
          const index = this.toolIndex.get(data.index) ?? 0;
          return { chunks: [this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] }, null)], done: false };
        }
        return { chunks: [], done: false };
      }
      case 'message_delta': {
        // Anthropic's usage here is cumulative for the message.
        if (typeof data?.usage?.output_tokens === 'number') this.outputTokens = data.usage.output_tokens;
        if (typeof data?.usage?.input_tokens === 'number') this.inputTokens = inputTokens(data.usage);
        const reason = finishReason(data?.delta?.stop_reason);
        return { chunks: reason === null ? [] : [this.chunk({}, reason)], done: false };
      }
      case 'message_stop': {
        const chunks: ChatChunk[] = [];
        if (this.includeUsage) chunks.push({ ...this.chunk({}, null), choices: [], usage: usage(this.inputTokens, this.outputTokens) });
        return { chunks, done: true };
      }
      case 'error':
        this.error = typeof data?.error?.message === 'string' ? data.error.message : 'provider stream error';
        return { chunks: [], done: true };
      default: // ping, content_block_stop, and events added later
        return { chunks: [], done: false };
    }
  }

  private chunk(delta: Record<string, unknown>, finish: string | null): ChatChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}
