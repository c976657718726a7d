// One request on an AI route: read the body, check it (JSON, model, allow list, token quota),
// then try the models in order (requested or default, then the fallbacks) until one answers;
// relay the answer in OpenAI's format: a whole completion, or a stream relayed event by event
// as it arrives (Anthropic's events translated on the fly). The call is the pool's handler for
// each provider attempt and the response's owner (it hears when the client goes away).
import type { AiRouteConfig } from '../../../contract/index.js';
import { BodyTooLargeError, type BodySink } from '../../http1/body.js';
import { headerList, type ResponseHead } from '../../http1/head.js';
import type { ResponseOwner } from '../../http1/response.js';
import type { UpstreamError, UpstreamHandler, UpstreamLink } from '../../http1/upstream-pool.js';
import type { Exchange } from '../../exchange.js';
import { TextDecoder } from 'node:util';
import { SseParser, type SseEvent } from '../../sse.js';
import { AnthropicStreamTranslator, fromAnthropicResponse } from './anthropic.js';
import { AiErrors, aiErrorBody, relayedErrorBody, type AiErrorKind } from './errors.js';
import { attemptOrder, isAllowed, parseModelRef, type ModelRef } from './models.js';
import type { CompiledPrompt } from './prompt-render.js';
import { providerRequest, scrubKey, type Provider } from './providers.js';
import type { TokenQuota } from './quota.js';
import { asChatRequest, usageOf, type ChatCompletion, type ChatRequest } from './wire.js';

/** What a route's calls share: its config, the providers, its quota and prompt. */
export interface AiRouteState {
  readonly config: AiRouteConfig;
  readonly providers: ReadonlyMap<string, Provider>;
  readonly quota: TokenQuota | null;
  readonly prompt: CompiledPrompt | null;
}

/** A provider's whole answer (or error body) is read up to this; more is a provider error. */
const MAX_PROVIDER_BODY = 8 * 1024 * 1024;
const SSE_HEADERS = ['content-type', 'text/event-stream; charset=utf-8', 'cache-control', 'no-cache'];
const JSON_TYPE = 'application/json; charset=utf-8';

/** The quota key, as rate limits key: the verified consumer when the policy keys by it, else the client IP. */
export function quotaKey(ex: Exchange, by: NonNullable<AiRouteConfig['tokenLimit']>['by']): string {
  const identity = ex.identity;
  if (by === 'ip' || identity === null || (by === 'apiKey') !== (identity.kind === 'apiKey')) return `ip:${ex.clientIp}`;
  return `${identity.kind}:${identity.consumer}`;
}

// What the current attempt is doing with the provider's answer.
const WAITING = 0;
const COLLECTING = 1;
const STREAMING = 2;

export class AiCall implements BodySink, UpstreamHandler, ResponseOwner {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private request: ChatRequest | null = null;
  private order: string[] = [];
  private attempt = -1;
  private current: { ref: ModelRef; provider: Provider } | null = null;
  private link: UpstreamLink | null = null;
  private mode = WAITING;
  private status = 0;
  private providerDone = true;
  private finished = false;
  private sse: SseParser | null = null;
  private decoder: TextDecoder | null = null;
  private translator: AnthropicStreamTranslator | null = null;
  private streamEnded = false;
  private lastError: { kind: AiErrorKind; message: string } | null = null;
  private readonly fallbacks: string[] = [];
  private inputTokens = 0;
  private outputTokens = 0;

  constructor(
    private readonly ex: Exchange,
    private readonly state: AiRouteState,
  ) {}

  start(): void {
    this.ex.res.owner = this;
    const body = this.ex.body;
    if (body === null) this.onBody(Buffer.alloc(0));
    else body.attach(this);
  }

  // ---- BodySink: the client's request body, collected (it is bounded by the route's limit)

  writeBody(chunk: Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  endBody(): void {
    const bytes = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.onBody(bytes);
  }

  failBody(error: Error): void {
    if (error instanceof BodyTooLargeError) this.answerError(AiErrors.tooLarge, `request body larger than ${this.ex.route!.maxBodyBytes} bytes`);
    else this.answerError(AiErrors.invalidRequest, 'the request body ended early');
  }

  private onBody(bytes: Buffer): void {
    if (this.ex.res.destroyed) return;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      return this.answerError(AiErrors.invalidJson, 'the request body is not valid JSON');
    }
    const config = this.state.config;
    let request: ChatRequest | string;
    if (this.state.prompt !== null) {
      const problem = this.state.prompt.validate(value);
      if (problem !== null) return this.answerError(AiErrors.invalidRequest, problem);
      request = { messages: this.state.prompt.render(value) };
    } else {
      request = asChatRequest(value);
    }
    if (typeof request === 'string') return this.answerError(AiErrors.invalidRequest, request);
    const id = request.model ?? config.models.default;
    const ref = parseModelRef(id);
    if (ref === null) return this.answerError(AiErrors.invalidModel, `model "${id}" must be <provider>/<model>, e.g. ${config.models.default}`);
    if (!this.state.providers.has(ref.provider)) return this.answerError(AiErrors.modelNotFound, `model "${id}": no provider "${ref.provider}" is configured`);
    if (!isAllowed(config, id)) return this.answerError(AiErrors.modelNotAllowed, `model "${id}" is not allowed on this route`);
    const quota = this.state.quota;
    if (quota !== null) {
      const decision = quota.check(quotaKey(this.ex, quota.policy.by), Date.now());
      if (!decision.allowed) return this.answerError(AiErrors.quotaExceeded, 'token quota exceeded for this consumer', ['retry-after', String(decision.retryAfterSeconds)]);
    }
    this.request = request;
    this.order = attemptOrder(config, id);
    this.next();
  }

  /** The next model in the order, or the last error when none is left. */
  private next(): void {
    if (this.ex.res.destroyed) return;
    for (;;) {
      this.attempt++;
      const id = this.order[this.attempt];
      if (id === undefined) {
        const last = this.lastError ?? { kind: AiErrors.providerUnavailable, message: 'no provider could answer' };
        return this.answerError(last.kind, last.message);
      }
      if (this.current !== null) this.fallbacks.push(this.current.ref.id);
      const ref = parseModelRef(id);
      const provider = ref === null ? undefined : this.state.providers.get(ref.provider);
      if (ref === null || provider === undefined) continue; // checked when the config was compiled
      this.current = { ref, provider };
      break;
    }
    const { ref, provider } = this.current!;
    const req = providerRequest(provider, this.request!, ref.model);
    this.mode = WAITING;
    this.status = 0;
    this.size = 0;
    this.chunks.length = 0;
    this.providerDone = false;
    this.link = null;
    provider.pool.dispatch(
      { method: 'POST', path: req.path, headers: req.headers, body: req.body, emptyLength: -1, headersTimeout: this.state.config.timeoutMs, bodyTimeout: this.state.config.timeoutMs },
      this,
    );
  }

  // ---- UpstreamHandler: one provider attempt

  onConnect(link: UpstreamLink): void {
    this.link = link;
  }

  onHeaders(head: ResponseHead): void {
    this.status = head.status;
    if (head.status === 200 && this.request!.stream === true && isEventStream(head)) return this.startStream();
    this.mode = COLLECTING;
  }

  onData(chunk: Buffer): boolean {
    if (this.mode === STREAMING) return this.relay(chunk);
    this.size += chunk.length;
    if (this.size > MAX_PROVIDER_BODY) {
      this.link?.abort();
      this.providerDone = true;
      this.lastError = { kind: AiErrors.providerError, message: `provider ${this.current!.provider.name} answered more than ${MAX_PROVIDER_BODY} bytes` };
      this.next();
      return true;
    }
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  onComplete(): void {
    this.providerDone = true;
    this.link = null;
    if (this.mode === STREAMING) return this.endStream();
    const body = Buffer.concat(this.chunks).toString('utf8');
    this.chunks.length = 0;
    if (this.status === 200) return this.answerWhole(body);
    this.providerFailed(body);
  }

  onError(error: UpstreamError): void {
    this.providerDone = true;
    this.link = null;
    if (this.ex.res.destroyed) return;
    const name = this.current!.provider.name;
    if (this.mode === STREAMING) {
      // Bytes already reached the client: the only honest signal left is to cut the stream.
      this.ex.res.destroy();
      return;
    }
    const timedOut = error.code === 'PORTICO_HEADERS_TIMEOUT' || error.code === 'PORTICO_BODY_TIMEOUT' || error.code === 'PORTICO_CONNECT_TIMEOUT';
    this.lastError = timedOut
      ? { kind: AiErrors.providerTimeout, message: `provider ${name} did not answer in time` }
      : { kind: AiErrors.providerError, message: `provider ${name} could not be reached (${error.code})` };
    this.next();
  }

  // ---- ResponseOwner

  /** The answer completed or the client went away: stop the provider, count, log once. */
  closed(): void {
    if (!this.providerDone) {
      this.providerDone = true;
      this.link?.abort();
    }
    if (this.finished) return;
    this.finished = true;
    const ex = this.ex;
    const current = this.current;
    if (current !== null) {
      ex.ai = {
        provider: current.provider.name,
        model: current.ref.model,
        consumer: ex.identity?.consumer ?? 'anonymous',
        fallbacks: this.fallbacks,
        inputTokens: this.inputTokens,
        outputTokens: this.outputTokens,
      };
      const quota = this.state.quota;
      if (quota !== null) quota.record(quotaKey(ex, quota.policy.by), this.inputTokens + this.outputTokens, Date.now());
    }
    ex.finish();
  }

  resume(): void {
    this.link?.resume();
  }

  // ---- answers

  /** A provider's non-200 answer: 429 and 5xx fall back to the next model; other errors are the client's. */
  private providerFailed(body: string): void {
    const provider = this.current!.provider;
    const status = this.status;
    if (status === 401 || status === 403) {
      this.lastError = { kind: AiErrors.providerAuth, message: `provider ${provider.name} rejected the gateway's credentials${provider.keyEnv === null ? '' : ` (check ${provider.keyEnv})`}` };
    } else if (status === 429) {
      this.lastError = { kind: AiErrors.providerRateLimited, message: `provider ${provider.name} is rate limiting` };
    } else if (status >= 500) {
      this.lastError = { kind: AiErrors.providerError, message: `provider ${provider.name} answered ${status}` };
    } else {
      // A 4xx about the request itself (unknown parameter, context too long): relayed, scrubbed.
      const { message, code } = providerErrorOf(body);
      return this.answer(status, ['content-type', JSON_TYPE], relayedErrorBody(status, scrubKey(provider, message ?? `provider ${provider.name} answered ${status}`), code));
    }
    this.next();
  }

  private answerWhole(body: string): void {
    const { ref, provider } = this.current!;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      this.lastError = { kind: AiErrors.providerError, message: `provider ${provider.name} answered something that is not JSON` };
      return this.next();
    }
    const completion = provider.kind === 'anthropic' ? fromAnthropicResponse(value, Date.now()) : asCompletion(value);
    if (completion === null) {
      this.lastError = { kind: AiErrors.providerError, message: `provider ${provider.name} answered an unexpected document` };
      return this.next();
    }
    const usage = usageOf(completion.usage);
    if (usage !== null) {
      this.inputTokens = usage.input;
      this.outputTokens = usage.output;
    }
    if (this.state.prompt !== null) {
      const output = { model: ref.id, output: completion.choices[0]?.message.content ?? '', usage: completion.usage };
      return this.answer(200, ['content-type', JSON_TYPE, 'x-portico-ai-model', ref.id], JSON.stringify(output));
    }
    // OpenAI-kind answers are relayed byte for byte; translated ones are serialised.
    this.answer(200, ['content-type', JSON_TYPE, 'x-portico-ai-model', ref.id], provider.kind === 'anthropic' ? JSON.stringify(completion) : body);
  }

  private startStream(): void {
    this.mode = STREAMING;
    const { ref, provider } = this.current!;
    const ex = this.ex;
    ex.status = 200;
    const headers = [...SSE_HEADERS, 'x-portico-ai-model', ref.id, ...ex.responseExtras];
    ex.res.writeHead(200, headers);
    this.decoder = new TextDecoder();
    const wantsUsage = this.request!.stream_options?.include_usage === true;
    if (provider.kind === 'anthropic') {
      const translator = new AnthropicStreamTranslator(Date.now(), wantsUsage);
      this.translator = translator;
      this.sse = new SseParser((event) => this.anthropicEvent(translator, event));
    } else {
      this.sse = new SseParser((event) => this.openAiEvent(event, wantsUsage));
    }
  }

  /** Returns the client socket's verdict (false: pause the provider until it drains). */
  private relay(chunk: Buffer): boolean {
    this.writable = true;
    this.sse!.push(this.decoder!.decode(chunk, { stream: true }));
    return this.writable;
  }

  private writable = true;

  private emit(text: string): void {
    if (this.streamEnded) return;
    if (!this.ex.res.write(text)) this.writable = false;
  }

  private openAiEvent(event: SseEvent, wantsUsage: boolean): void {
    const data = event.data;
    if (data === '[DONE]') {
      this.emit('data: [DONE]\n\n');
      this.streamEnded = true;
      return;
    }
    let chunk: { usage?: unknown; choices?: unknown[] } | null = null;
    try {
      chunk = JSON.parse(data);
    } catch {
      // Not JSON: relayed as is; the client's SDK reports it.
    }
    const usage = usageOf(chunk?.usage);
    if (usage !== null) {
      this.inputTokens = usage.input;
      this.outputTokens = usage.output;
      // The usage-only final chunk the gateway asked for on its own behalf.
      if (!wantsUsage && Array.isArray(chunk?.choices) && chunk.choices.length === 0) return;
    }
    this.emit(`data: ${data}\n\n`);
  }

  private anthropicEvent(translator: AnthropicStreamTranslator, event: SseEvent): void {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    const { chunks, done } = translator.translate(event.event, data);
    for (const chunk of chunks) this.emit(`data: ${JSON.stringify(chunk)}\n\n`);
    this.inputTokens = translator.inputTokens;
    this.outputTokens = translator.outputTokens;
    if (!done) return;
    if (translator.error !== null) this.emit(`data: ${JSON.stringify({ error: { message: scrubKey(this.current!.provider, translator.error), type: 'api_error', code: 'provider_stream_error' } })}\n\n`);
    this.emit('data: [DONE]\n\n');
    this.streamEnded = true;
  }

  private endStream(): void {
    if (!this.streamEnded && this.translator !== null) this.emit('data: [DONE]\n\n');
    this.streamEnded = true;
    this.ex.res.end();
  }

  private answerError(kind: AiErrorKind, message: string, extra: string[] = []): void {
    this.ex.errorKind = kind.code;
    this.answer(kind.status, ['content-type', JSON_TYPE, 'cache-control', 'no-store', ...extra], aiErrorBody(kind, message));
  }

  private answer(status: number, headers: string[], body: string): void {
    const ex = this.ex;
    if (ex.res.destroyed || ex.res.headersSent) return;
    ex.status = status;
    ex.res.writeHead(status, [...headers, ...ex.responseExtras]);
    ex.res.end(body); // the response's end tells closed(), which logs
  }
}

function isEventStream(head: ResponseHead): boolean {
  const list = headerList(head.block);
  for (let i = 0; i < list.length; i += 2) if (list[i]!.toLowerCase() === 'content-type') return list[i + 1]!.toLowerCase().startsWith('text/event-stream');
  return false;
}

function asCompletion(value: unknown): ChatCompletion | null {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as ChatCompletion).choices)) return null;
  return value as ChatCompletion;
}

/** The message and code of a provider's error body (OpenAI and Anthropic both use `error.message`). */
function providerErrorOf(body: string): { message: string | null; code: string | null } {
  try {
    const e = (JSON.parse(body) as { error?: { message?: unknown; code?: unknown; type?: unknown } }).error;
    const code = typeof e?.code === 'string' ? e.code : typeof e?.type === 'string' ? e.type : null;
    return { message: typeof e?.message === 'string' ? e.message : null, code };
  } catch {
    return { message: null, code: null };
  }
}
