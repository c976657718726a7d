// Collects each service's OpenAPI document and keeps the catalog's view of the stack.
// Served documents are fetched from one passing instance when the service's passing set first
// becomes non-empty and again whenever it changes (instances or their versions), with a
// timeout and a size cap; workspace files arrive inside gateway.json. Every document is
// validated by the OpenAPI parser, on the first catalog request after it was collected: the
// parser is big (~23 MB resident once loaded), and a gateway nobody asks for its catalog never
// loads it. A failure is recorded with its reason and never affects routing or the other
// services. The collector sits next to the upstreams on the registry watch.
import type { CatalogDocumentState as DocumentState, CatalogHealth as ServiceHealth } from '../../../contract/catalog-api.js';
import type { CatalogOpenApi, DiscoveryConfig, GatewayConfig, InstanceStatus, RegistryInstance } from '../../../contract/index.js';
import type { GatewayLogger } from '../../log.js';
import type { WatchTarget } from '../../registry-watch.js';
import type { OpenApiDocument } from './public-document.js';
import type { Validation } from './validate-document.js';
import { fetchDocument } from './fetch-document.js';


export interface ServiceDocument {
  state: DocumentState;
  document: OpenApiDocument | null;
  /** Why there is no valid document (the parser's message for invalid ones). */
  error: string | null;
  warnings: string[];
  /** Where it came from: `<instance id> <path>` or the workspace file. */
  from: string | null;
  checkedAt: string | null;
}


export interface CollectorOptions {
  logger: GatewayLogger;
  fetchTimeoutMs?: number;
  maxDocumentBytes?: number;
  /** Delay before fetching again after the instance could not be reached. */
  retryMs?: number;
  /** The validator module, loaded on first use (it is big; see validate-document.ts). */
  loadValidator?: () => Promise<{ validateOpenApi(document: unknown): Promise<Validation> }>;
}

interface Tracked {
  source: CatalogOpenApi;
  sourceKey: string;
  doc: ServiceDocument;
  /** Instances by the registry (null until it reported this service). */
  instances: RegistryInstance[] | null;
  /** Passing instances + versions the current document was fetched for. */
  fetchedFor: string;
  /** A collected document not validated yet (validateCollected() turns it into `doc`). */
  collected: { body: unknown; from: string; generation: number } | null;
  generation: number;
  retry: NodeJS.Timeout | null;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

export class CatalogCollector implements WatchTarget {
  private readonly services = new Map<string, Tracked>();
  private config: GatewayConfig | null = null;
  private staticInstances = new Map<string, RegistryInstance[]>();
  private validator: Promise<{ validateOpenApi(document: unknown): Promise<Validation> }> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  /** Told when the set of services or a collected document may have changed (the MCP feature's tool list follows it). */
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: CollectorOptions) {}

  /** Calls `listener` after a config or a newly collected document; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** A new gateway config: services and sources as it says; documents of unchanged sources are kept. */
  configure(config: GatewayConfig, discovery: DiscoveryConfig): void {
    this.config = config;
    // Without a registry the static instances are all the gateway knows; they are trusted as passing.
    this.staticInstances = new Map(
      config.registry !== null
        ? []
        : Object.entries(discovery.services).map(([name, s]) => [name, s.instances.map((i) => staticInstance(name, i))]),
    );
    const wanted = new Map<string, CatalogOpenApi>();
    for (const [name, entry] of Object.entries(config.catalog?.services ?? {})) wanted.set(name, entry.openapi);
    for (const route of config.routes) if (!wanted.has(route.service)) wanted.set(route.service, { source: 'none' });
    for (const [name, tracked] of this.services) {
      if (wanted.has(name)) continue;
      if (tracked.retry !== null) clearTimeout(tracked.retry);
      this.services.delete(name);
    }
    for (const [name, source] of wanted) {
      const sourceKey = JSON.stringify(source);
      const existing = this.services.get(name);
      if (existing?.sourceKey === sourceKey) continue;
      if (existing?.retry) clearTimeout(existing.retry);
      const tracked: Tracked = {
        source,
        sourceKey,
        doc: emptyDocument(source.source === 'none' ? 'none' : 'pending'),
        instances: existing?.instances ?? null,
        fetchedFor: '',
        collected: null,
        generation: (existing?.generation ?? 0) + 1,
        retry: null,
      };
      this.services.set(name, tracked);
      if (source.source === 'file') this.fromFile(tracked, source);
      else this.maybeFetch(name, tracked);
    }
    this.changed();
  }

  setRegistrySnapshot(services: Record<string, RegistryInstance[]>): void {
    for (const [name, tracked] of this.services) {
      tracked.instances = services[name] ?? [];
      this.maybeFetch(name, tracked);
    }
  }

  setRegistryService(name: string, instances: RegistryInstance[]): void {
    const tracked = this.services.get(name);
    if (tracked === undefined) return;
    tracked.instances = instances;
    this.maybeFetch(name, tracked);
  }

  current(): GatewayConfig | null {
    return this.config;
  }

  serviceNames(): string[] {
    return [...this.services.keys()];
  }

  document(name: string): ServiceDocument | undefined {
    return this.services.get(name)?.doc;
  }

  health(name: string): ServiceHealth {
    const tracked = this.services.get(name);
    const instances = tracked?.instances ?? this.staticInstances.get(name) ?? null;
    if (instances === null) return { status: 'unknown', passing: 0, total: 0, versions: [] };
    const passing = instances.filter((i) => i.status === 'passing');
    const versions = [...new Set(passing.map((i) => i.version).filter((v): v is string => v !== null))].sort();
    const status = instances.length === 0 ? 'none' : passing.length === instances.length ? 'passing' : passing.length > 0 ? 'degraded' : 'critical';
    return { status, passing: passing.length, total: instances.length, versions };
  }

  /**
   * Waits for the fetches under way (each bounded by its timeout), then validates every
   * document collected since the last call. The catalog endpoints call it before answering, so
   * `portico catalog` right after `up` sees the documents rather than "pending".
   */
  async validateCollected(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await Promise.all([...this.services].map(([name, tracked]) => this.validateOne(name, tracked)));
  }

  close(): void {
    this.closed = true;
    for (const tracked of this.services.values()) if (tracked.retry !== null) clearTimeout(tracked.retry);
  }

  private passingOf(name: string, tracked: Tracked): RegistryInstance[] {
    return (tracked.instances ?? this.staticInstances.get(name) ?? []).filter((i) => i.status === 'passing');
  }

  private maybeFetch(name: string, tracked: Tracked): void {
    if (tracked.source.source !== 'served' || this.closed) return;
    const passing = this.passingOf(name, tracked);
    if (passing.length === 0) return; // keep the last document: the service comes back with the same API, or a new set triggers a fetch
    const key = passing.map((i) => `${i.id}@${i.version ?? ''}`).sort().join(',');
    if (key === tracked.fetchedFor) return;
    tracked.fetchedFor = key;
    if (tracked.retry !== null) clearTimeout(tracked.retry);
    tracked.retry = null;
    this.track(this.fromInstance(name, tracked, tracked.source.path, passing[0]!));
  }

  private async fromInstance(name: string, tracked: Tracked, path: string, instance: RegistryInstance): Promise<void> {
    const generation = ++tracked.generation;
    const from = `${instance.id} ${path}`;
    let body: unknown;
    try {
      body = JSON.parse(await fetchDocument(instance.address, instance.port, path, this.options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS, this.options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES));
    } catch (error) {
      if (generation !== tracked.generation) return;
      const message = error instanceof SyntaxError ? `${path} is not JSON: ${error.message}` : (error as Error).message;
      // Unreachable or not JSON yet: the instance may still be starting; try again later.
      tracked.doc = { ...emptyDocument('unavailable'), error: message, from, checkedAt: new Date().toISOString() };
      tracked.collected = null;
      this.options.logger.warn({ service: name, instance: instance.id, err: message }, 'catalog: OpenAPI document not collected');
      this.scheduleRetry(name, tracked);
      return;
    }
    if (generation !== tracked.generation) return; // a newer fetch or config won
    tracked.collected = { body, from, generation };
    this.changed();
  }

  private fromFile(tracked: Tracked, source: Extract<CatalogOpenApi, { source: 'file' }>): void {
    const generation = ++tracked.generation;
    if (source.error !== null) tracked.doc = { ...emptyDocument('invalid'), error: source.error, from: source.file, checkedAt: new Date().toISOString() };
    else tracked.collected = { body: source.document, from: source.file, generation };
  }

  private async validateOne(name: string, tracked: Tracked): Promise<void> {
    const collected = tracked.collected;
    if (collected === null) return;
    const { body, from, generation } = collected;
    let result: Validation;
    try {
      result = await (await this.loadValidator()).validateOpenApi(body);
    } catch (error) {
      result = { ok: false, error: `the OpenAPI validator could not run: ${(error as Error).message}` };
    }
    if (generation !== tracked.generation || tracked.collected !== collected) return; // a newer fetch or config won
    tracked.collected = null;
    const checkedAt = new Date().toISOString();
    tracked.doc = result.ok
      ? { state: 'ok', document: result.document, error: null, warnings: result.warnings, from, checkedAt }
      : { ...emptyDocument('invalid'), error: result.error, from, checkedAt };
    if (!result.ok) this.options.logger.warn({ service: name, from, err: result.error.split('\n')[0] }, 'catalog: OpenAPI document is invalid');
  }

  private scheduleRetry(name: string, tracked: Tracked): void {
    if (this.closed) return;
    tracked.retry = setTimeout(() => {
      tracked.retry = null;
      tracked.fetchedFor = '';
      this.maybeFetch(name, tracked);
    }, this.options.retryMs ?? 10_000);
    tracked.retry.unref();
  }

  private loadValidator(): Promise<{ validateOpenApi(document: unknown): Promise<Validation> }> {
    this.validator ??= (this.options.loadValidator ?? (() => import('./validate-document.js')))();
    return this.validator;
  }

  private track(work: Promise<void>): void {
    const done = work.finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }
}

function emptyDocument(state: DocumentState): ServiceDocument {
  return { state, document: null, error: null, warnings: [], from: null, checkedAt: null };
}

function staticInstance(service: string, i: { id: string; address: string; port: number }): RegistryInstance {
  return { service, id: i.id, address: i.address, port: i.port, version: null, metadata: {}, status: 'passing' as InstanceStatus, source: 'static', registeredAt: '', lastCheck: null };
}
