// A fake LLM provider over HTTPS (a certificate from the test's CA) that speaks OpenAI's and
// Anthropic's wire formats with the fixtures of llm-fixtures.ts. What it answers next is set by
// the test (`plan`): a normal answer, a provider error status, garbage, a hang, or a stream held
// open after its first event until the test releases it. It records every request it got.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { TestCertificate } from '../../helpers/test-ca.js';
import { ANTHROPIC_MESSAGE, ANTHROPIC_OVERLOADED, ANTHROPIC_STREAM, OPENAI_COMPLETION, OPENAI_RATE_LIMITED, OPENAI_STREAM } from './llm-fixtures.js';

export type FakeAnswer =
  | { kind: 'ok'; json?: object; events?: [string, object][] | string[] }
  | { kind: 'status'; status: number; json?: object }
  | { kind: 'garbage' }
  | { kind: 'hang' }
  /** Stream: the first event, then wait for release() before the rest. */
  | { kind: 'hold' };

export interface FakeLlm {
  port: number;
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders; body: any }[];
  /** Answers for the next requests, in order; when empty, 'ok'. */
  plan: FakeAnswer[];
  /** Let a held stream go on. */
  release(): void;
  close(): Promise<void>;
}

export async function startFakeLlm(kind: 'openai' | 'anthropic', certificate: TestCertificate): Promise<FakeLlm> {
  let releaseHeld: () => void = () => {};
  let held = new Promise<void>((r) => (releaseHeld = r));
  const fake: FakeLlm = {
    port: 0,
    url: '',
    requests: [],
    plan: [],
    release: () => releaseHeld(),
    close: async () => {
      releaseHeld();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      fake.requests.push({ path: req.url!, headers: req.headers, body });
      const answer = fake.plan.shift() ?? { kind: 'ok' };
      void respond(kind, answer, body, res, () => held).then(() => {
        if (answer.kind === 'hold') held = new Promise<void>((r) => (releaseHeld = r));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `https://localhost:${fake.port}/v1`;
  return fake;
}

function sseLines(kind: 'openai' | 'anthropic', events: [string, object][] | string[]): string[] {
  if (kind === 'openai') return (events as string[]).map((data) => `data: ${data}\n\n`);
  return (events as [string, object][]).map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

async function respond(kind: 'openai' | 'anthropic', answer: FakeAnswer, body: any, res: import('node:http').ServerResponse, held: () => Promise<void>): Promise<void> {
  if (answer.kind === 'hang') return; // never answers; the gateway's timeout must fire
  if (answer.kind === 'garbage') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('<html>502 upstream oops</html>');
    return;
  }
  if (answer.kind === 'status') {
    res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.status === 429 ? { 'retry-after': '20' } : {}) });
    res.end(JSON.stringify(answer.json ?? (kind === 'openai' ? OPENAI_RATE_LIMITED : ANTHROPIC_OVERLOADED)));
    return;
  }
  if (body?.stream === true) {
    const lines = sseLines(kind, answer.kind === 'ok' && answer.events !== undefined ? answer.events : kind === 'openai' ? OPENAI_STREAM : ANTHROPIC_STREAM);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(lines[0]);
    if (answer.kind === 'hold') await held();
    for (const line of lines.slice(1)) res.write(line);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify((answer.kind === 'ok' && answer.json) || (kind === 'openai' ? OPENAI_COMPLETION : ANTHROPIC_MESSAGE)));
}
