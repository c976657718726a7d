// Prompt endpoints (POST /ai/<name>): the request body is checked against the prompt's JSON
// Schema, then rendered into chat messages by its handlebars templates. This module carries
// handlebars, which the rest of the gateway does not need: the build emits it as its own file
// (gateway-prompts.mjs) and the ai feature imports it only when a config has prompts.
import Handlebars from 'handlebars';
import * as z from 'zod';
import type { AiPromptConfig } from '../../../contract/index.js';
import type { ChatMessage } from './wire.js';

export interface CompiledPrompt {
  readonly name: string;
  /** Null when `input` fits the schema, else what is wrong (path: message). */
  validate(input: unknown): string | null;
  render(input: unknown): ChatMessage[];
}

export function compilePrompt(config: AiPromptConfig): CompiledPrompt {
  // Prompts are text, not HTML: no escaping. Templates come from the manifest (trusted), input
  // only fills their variables.
  const options = { noEscape: true, strict: false } as const;
  const user = Handlebars.compile(config.prompt, options);
  const system = config.system === null ? null : Handlebars.compile(config.system, options);
  const schema = z.fromJSONSchema(config.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  return {
    name: config.name,
    validate(input) {
      const result = schema.safeParse(input);
      if (result.success) return null;
      const issue = result.error.issues[0]!;
      return `${issue.path.length === 0 ? 'input' : issue.path.join('.')}: ${issue.message}`;
    },
    render(input) {
      const messages: ChatMessage[] = [];
      if (system !== null) messages.push({ role: 'system', content: system(input) });
      messages.push({ role: 'user', content: user(input) });
      return messages;
    },
  };
}
