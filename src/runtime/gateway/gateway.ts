// The in-process gateway: createGateway() builds the HTTP server, the route table and the
// upstream pools from a config; main.ts (the container entry) and the tests share it.
import { STATUS_CODES } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { DiscoveryConfig, GatewayConfig } from '../contract/index.js';
import { ConfigError, parseGatewayConfig, parseDiscoveryConfig } from './config.js';
import { RegistryWatch, type WatchTarget } from './registry-watch.js';
import { GatewayErrors, rawErrorResponse, type GatewayErrorKind } from './errors.js';
import type { HeadError } from './http1/head.js';
import type { HttpResponse } from './http1/response.js';
import { Http1Server, type HttpRequest } from './http1/server.js';
import { Exchange, type ExchangeContext } from './exchange.js';
import { FEATURES } from './features/index.js';
import { buildPipeline, type Pipeline } from './features/pipeline.js';
import type { FeatureContext, GatewayStatus, Phases } from './features/types.js';
import { Forwarding } from './forwarded.js';
import { compileRoutes, type RouteTable } from './routes.js';
import { openClientSession, type ClientSession } from './session.js';
import { Upstreams } from './upstreams.js';
import type { GatewayLogger } from './log.js';
import { silentLogger } from './log.js';
import { AdminGuard } from './admin.js';

/** Request header bytes (request line included) before 431. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Request target bytes before 414. */
export const MAX_URL_LENGTH = 8192;

export interface GatewayOptions {
  config: GatewayConfig;
  discovery: DiscoveryConfig;
  /** Where API-key and JWT secrets are read from (by the names in the config). */
  env?: NodeJS.ProcessEnv;
  logger?: GatewayLogger;
  /** Prometheus metrics at /_portico/metrics (default on). */
  metrics?: boolean;
  /** One JSON log line per request (default on). */
  accessLog?: boolean;
  /** Client-side server timeouts (slowloris protection); defaults suit production. */
  serverTimeouts?: Partial<ServerTimeouts>;
  /**
   * Extra CA certificates (PEM) trusted for HTTPS upstreams and AI providers, beside the system
   * store and NODE_EXTRA_CA_CERTS (which the container uses; this is for embedding and tests).
   */
  tlsCa?: readonly string[];
}

export interface ServerTimeouts {
  /** All request headers must arrive within this. */
  headersMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 300_000, keepAliveMs: 5_000 };

export interface Gateway {
  readonly server: Server;
  readonly upstreams: Upstreams;
  /** Start listening; resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Validate and swap in a new config (and discovery); rejects and keeps the old one if invalid. */
  reload(config: unknown, discovery?: unknown): Promise<void>;
  /** Stop accepting, let in-flight requests finish, close upstream pools. */
  close(): Promise<void>;
  current(): { config: GatewayConfig; discovery: DiscoveryConfig };
}

class GatewayCore implements ExchangeContext {
  table!: RouteTable;
  forwarding!: Forwarding;
  unrouted!: Phases;
  pipeline: Pipeline | undefined;
  discovery!: DiscoveryConfig;
  private readonly featureContext: Omit<FeatureContext, 'discovery'>;
  /** Checks admin endpoints (features/types.ts, GatewayEndpoint.access) against config.admin's token. */
  private admin = new AdminGuard(undefined);
  private configInfo: GatewayStatus['config'] = { version: 0, hash: '', loadedAt: '' };

  constructor(
    readonly upstreams: Upstreams,
    options: Required<Pick<GatewayOptions, 'metrics' | 'accessLog'>> & Pick<GatewayOptions, 'tlsCa'> & { env: NodeJS.ProcessEnv; logger: GatewayLogger },
  ) {
    this.featureContext = {
      env: options.env,
      logger: options.logger,
      switches: { metrics: options.metrics, accessLog: options.accessLog },
      status: () => this.status(),
      tlsCa: options.tlsCa,
    };
  }

  async apply(config: GatewayConfig, discovery: DiscoveryConfig): Promise<void> {
    // Build everything that can fail first; swap references only once nothing can throw.
    const previous = this.pipeline;
    const pipeline = await buildPipeline(FEATURES, config, { ...this.featureContext, discovery }, previous);
    let forwarding: Forwarding;
    let table: RouteTable;
    try {
      forwarding = new Forwarding(config.trustedProxies);
      // AI routes (features/ai) call LLM providers, not a service of the stack.
      const serviceRoutes = config.routes.filter((r) => r.ai === undefined || r.ai === null);
      for (const service of new Set(serviceRoutes.map((r) => r.service))) {
        if (discovery.services[service] === undefined && config.registry === null) {
          throw new ConfigError(`route for service "${service}": the service is not in discovery.json and there is no registry`);
        }
      }
      this.upstreams.configure(serviceRoutes, discovery);
      table = compileRoutes(config, this.upstreams, (route) => pipeline.phasesFor(route));
    } catch (error) {
      pipeline.close(false);
      throw error;
    }
    this.pipeline = pipeline;
    this.forwarding = forwarding;
    this.unrouted = pipeline.unrouted;
    this.discovery = discovery;
    this.table = table;
    this.configInfo = describeConfig(config);
    this.admin = new AdminGuard(config.admin === undefined ? undefined : this.featureContext.env[config.admin.tokenEnv]);
    previous?.close(false);
    this.watchRegistry(config);
  }

  private watch: { key: string; watch: RegistryWatch } | null = null;

  /** (Re)start the registry subscription when the registry settings change. */
  private watchRegistry(config: GatewayConfig): void {
    const registry = config.registry;
    const key = registry === null ? '' : `${registry.url}\u0000${registry.tokenEnv}`;
    if (this.watch?.key === key) return;
    this.watch?.watch.stop();
    this.watch = null;
    if (registry === null) return;
    // The upstreams balance over the instances; features that follow them (the catalog) hear of them too.
    const target: WatchTarget = {
      setRegistrySnapshot: (services) => {
        this.upstreams.setRegistrySnapshot(services);
        this.pipeline?.registrySnapshot(services);
      },
      setRegistryService: (name, instances) => {
        this.upstreams.setRegistryService(name, instances);
        this.pipeline?.registryService(name, instances);
      },
    };
    const watch = new RegistryWatch({ url: registry.url, token: this.featureContext.env[registry.tokenEnv], target, logger: this.featureContext.logger });
    this.watch = { key, watch };
    watch.start();
  }

  private registryState(): GatewayStatus['registry'] {
    if (this.watch === null) return null;
    return { url: this.table.config.registry!.url, state: this.watch.watch.state, lastEventId: this.watch.watch.lastEventId };
  }

  private status(): GatewayStatus {
    return {
      project: this.table.config.project,
      routes: this.table.routes.length,
      registry: this.registryState(),
      upstreams: this.upstreams.describe(),
      uptimeSeconds: Math.round(process.uptime()),
      config: this.configInfo,
    };
  }

  stop(): void {
    this.watch?.watch.stop();
    this.watch = null;
    this.pipeline?.close(true);
  }

  handle = (req: HttpRequest<ClientSession>, res: HttpResponse): void => {
    new Exchange(this, req, res).run();
  };

  /** /_portico/* requests: the endpoints the configured features registered (features/types.ts). */
  internal(req: HttpRequest<ClientSession>, res: HttpResponse, url: string): void {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const endpoint = this.pipeline!.endpointFor(path);
    if (endpoint !== undefined) {
      if (endpoint.access === 'admin' && !this.admin.admit(req, res)) return;
      return endpoint.handle(req, res, path);
    }
    const body = JSON.stringify({ error: GatewayErrors.notFound.error, message: `no gateway endpoint ${path}` });
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body);
  }
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  let core: GatewayCore | undefined;
  const upstreams = new Upstreams({
    onBreakerChange: (service, state) => {
      logger.warn({ service, breaker: state }, `circuit ${state} for service ${service}`);
      core?.pipeline?.breakerChanged(service, state);
    },
    tlsCa: options.tlsCa,
    onInsecure: (service) => logger.warn({ service, insecureSkipVerify: true }, `TLS certificate verification is OFF for service ${service} (upstream.tls.insecureSkipVerify): anyone on the path can impersonate it`),
  });
  core = new GatewayCore(upstreams, { metrics: options.metrics ?? true, accessLog: options.accessLog ?? true, env, logger, tlsCa: options.tlsCa });
  await core.apply(parseGatewayConfig(JSON.stringify(options.config), 'config'), parseDiscoveryConfig(JSON.stringify(options.discovery), 'discovery'));
  const gatewayCore = core;

  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.serverTimeouts };
  // Slowloris: slow headers or bodies are cut off (checked at most every second).
  const http1 = new Http1Server<ClientSession>({ maxHeaderBytes: MAX_HEADER_BYTES, maxUrlLength: MAX_URL_LENGTH, ...timeouts }, gatewayCore.handle, refuseRequest, openClientSession);
  const server = http1.server;
  let reloading: Promise<unknown> = Promise.resolve();

  return {
    server,
    upstreams,
    listen(port, host = '0.0.0.0') {
      return http1.listen(port, host);
    },
    reload(config, discovery) {
      // One reload at a time, in call order: a later file change always wins.
      const next = reloading.then(async () => {
        const nextConfig = parseGatewayConfig(JSON.stringify(config), 'gateway.json');
        const nextDiscovery = discovery === undefined ? gatewayCore.discovery : parseDiscoveryConfig(JSON.stringify(discovery), 'discovery.json');
        await gatewayCore.apply(nextConfig, nextDiscovery);
      });
      reloading = next.catch(() => undefined);
      return next;
    },
    async close() {
      gatewayCore.pipeline?.draining();
      await http1.close();
      gatewayCore.stop();
      await upstreams.close();
    },
    current() {
      return { config: gatewayCore.table.config, discovery: gatewayCore.discovery };
    },
  };
}

/** What /_portico/health says about the loaded config: which one it is (the hash) and since when. */
function describeConfig(config: GatewayConfig): GatewayStatus['config'] {
  const hash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
  return { version: config.version, hash, loadedAt: new Date().toISOString() };
}

const REFUSALS: Record<HeadError['status'], GatewayErrorKind> = {
  400: GatewayErrors.badRequest,
  408: GatewayErrors.requestTimeout,
  414: GatewayErrors.uriTooLong,
  417: GatewayErrors.expectationFailed,
  431: GatewayErrors.headersTooLarge,
  501: GatewayErrors.notImplemented,
  505: GatewayErrors.versionNotSupported,
  502: GatewayErrors.badGateway,
};

/** Requests the HTTP parser refuses get a JSON answer too (400/408/414/431/501/505), then the socket closes. */
function refuseRequest(error: HeadError, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const kind = REFUSALS[error.status];
  socket.end(rawErrorResponse(kind, error.message, STATUS_CODES[kind.status] ?? 'Error'));
}
