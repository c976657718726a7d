// The OpenAI Chat Completions shapes AI routes speak with clients (the subset the gateway reads
// or builds; everything else in a request is passed through to OpenAI-kind providers as is).
// Reference: https://platform.openai.com/docs/api-reference/chat/create

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | { type: string; text?: string; image_url?: { url: string } }[] | null;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: object } }[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  user?: string;
  [key: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: number; message: { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }; finish_reason: string | null }[];
  usage: Usage;
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: number; delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: Usage | null;
}

/** A request body checked just enough to translate it: an object with a non-empty messages array. */
export function asChatRequest(value: unknown): ChatRequest | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the body must be a JSON object';
  const messages = (value as { messages?: unknown }).messages;
  if (!Array.isArray(messages) || messages.length === 0) return '`messages` must be a non-empty array';
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string') return `messages[${i}] must be an object with a role`;
  }
  const model = (value as { model?: unknown }).model;
  if (model !== undefined && typeof model !== 'string') return '`model` must be a string';
  return value as ChatRequest;
}

/** Tokens from a usage object of either wire format (missing fields count 0). */
export function usageOf(u: unknown): { input: number; output: number } | null {
  if (typeof u !== 'object' || u === null) return null;
  const o = u as Record<string, unknown>;
  const n = (k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : 0);
  if ('prompt_tokens' in o || 'completion_tokens' in o) return { input: n('prompt_tokens'), output: n('completion_tokens') };
  if ('input_tokens' in o || 'output_tokens' in o) return { input: n('input_tokens') + n('cache_creation_input_tokens') + n('cache_read_input_tokens'), output: n('output_tokens') };
  return null;
}
