// The gateway's HTTP/1.1 layer proven against llhttp (issue 15, "Proof"): every raw request of
// the corpus (test/fixtures/http1-corpus: generated cases plus hand-written smuggling vectors)
// is sent to the gateway, whose raw echo upstream records exactly what was forwarded, and to a
// strict node:http server. Each case must end with both refusing, or both accepting the same
// requests (method, target, headers, decoded body, in order), or the gateway refusing what
// llhttp accepted (stricter: listed, and in docs/gateway.md). The gateway accepting what
// llhttp refused, or forwarding different requests, fails. One gateway per lane (so that what
// an upstream receives belongs to the one case that lane runs), lanes in parallel.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, CORPUS_FILE, serializeCorpus, type CorpusCase } from '../fixtures/http1-corpus/generate.mjs';
import { discovery, gatewayConfig, route, startGateway, type RunningGateway } from './gateway-helpers.js';
import { echoUpstream, referenceServer, sendCase, verdict, type EchoUpstream, type ReferenceServer, type SeenRequest, type Verdict } from './gateway-differential-helpers.js';

const LANES = 16;

interface Lane {
  gateway: RunningGateway;
  upstream: EchoUpstream;
}

interface CaseResult {
  c: CorpusCase;
  verdict: Verdict;
  reference: SeenRequest[];
  referenceRefusal: string | null;
  gateway: SeenRequest[];
  gatewayStatuses: number[];
}

const corpusText = readFileSync(CORPUS_FILE, 'utf8');
const corpus: CorpusCase[] = corpusText.trimEnd().split('\n').map((line) => JSON.parse(line) as CorpusCase);

describe('the gateway HTTP/1.1 layer against llhttp', () => {
  let reference: ReferenceServer;
  const lanes: Lane[] = [];

  beforeAll(async () => {
    reference = await referenceServer();
    for (let i = 0; i < LANES; i++) {
      const upstream = await echoUpstream();
      const gateway = await startGateway({
        config: gatewayConfig([route({ service: 's', path: '/', stripPrefix: false })]),
        discovery: discovery({ s: [upstream.port] }),
      });
      lanes.push({ gateway, upstream });
    }
  });
  afterAll(async () => {
    for (const lane of lanes) {
      await lane.gateway.close();
      await lane.upstream.close();
    }
    await reference?.close();
  });

  it('the committed corpus is what the generator writes', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(2_000);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    expect(serializeCorpus(buildCorpus())).toBe(corpusText);
  });

  it('never accepts what llhttp refuses, and forwards what both accept unchanged', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const results: CaseResult[] = [];
    const late: string[] = [];
    let next = 0;

    const runLane = async (lane: Lane): Promise<void> => {
      for (let i = next++; i < corpus.length; i = next++) {
        const c = corpus[i];
        const raw = Buffer.from(c.raw, 'latin1');
        const stale = lane.upstream.take();
        if (stale.length > 0) late.push(`${stale.length} request(s) reached the upstream after the case before ${c.id} had ended`);
        let refPort = 0;
        const [, gw] = await Promise.all([
          sendCase(reference.port, raw, c.messages, (p) => (refPort = p)),
          sendCase(lane.gateway.port, raw, c.messages, () => {}),
        ]);
        const ref = reference.results.get(refPort) ?? { requests: [], refusal: null };
        reference.results.delete(refPort);
        const forwarded = lane.upstream.take();
        results.push({ c, verdict: verdict(ref.requests, forwarded), reference: ref.requests, referenceRefusal: ref.refusal, gateway: forwarded, gatewayStatuses: gw.statuses });
      }
    };
    await Promise.all(lanes.map(runLane));

    const by = (v: Verdict): CaseResult[] => results.filter((r) => r.verdict === v);
    const stricter = by('stricter');
    const looser = by('looser');
    const stricterByCategory: Record<string, string[]> = {};
    for (const r of stricter) (stricterByCategory[r.c.category] ??= []).push(r.c.id);
    console.log(
      [
        `differential against llhttp: ${results.length} cases in ${Date.now() - started} ms`,
        `  both reject:            ${by('both-reject').length}`,
        `  both accept, identical: ${by('identical').length}`,
        `  gateway stricter:       ${stricter.length}`,
        ...Object.entries(stricterByCategory).map(([cat, ids]) => `    ${cat} (${ids.length}): ${ids.join(' ')}`),
        `  gateway looser/different: ${looser.length}`,
      ].join('\n'),
    );
    const describeCase = (r: CaseResult): string =>
      `${r.c.id} [${r.c.category}] ${JSON.stringify(r.c.raw.slice(0, 160))}\n    llhttp: ${JSON.stringify(r.reference)} ${r.referenceRefusal ?? ''}\n    gateway (statuses ${r.gatewayStatuses.join(',')}): ${JSON.stringify(r.gateway)}`;
    if (process.env.DIFF_DUMP) writeFileSync(process.env.DIFF_DUMP, JSON.stringify(looser.concat(stricter), null, 1));
    expect(looser.map(describeCase)).toEqual([]);
    // Stricter means refused out loud: an error answer, never a silent close.
    expect(stricter.filter((r) => !r.gatewayStatuses.some((s) => s >= 400)).map(describeCase)).toEqual([]);
    expect(lanes.flatMap((l) => l.upstream.errors)).toEqual([]);
    expect(late).toEqual([]);
    expect(results.length).toBe(corpus.length);
  });
});
