// The in-process gateway: createGateway() builds the HTTP server, the route table and the
// upstream pools from a config; main.ts (the container entry) and the tests share it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DiscoveryConfig, GatewayConfig } from '../contract/index.js';
import { ConfigError, parseGatewayConfig, parseDiscoveryConfig } from './config.js';
import { RegistryWatch } from './registry-watch.js';
import { GatewayErrors, rawErrorResponse } from './errors.js';
import { Exchange, MAX_URL_LENGTH, type ExchangeContext } from './exchange.js';
import type { ExchangeHooks } from './hooks.js';
import { compileRoutes, type RouteTable } from './routes.js';
import { Upstreams } from './upstreams.js';
import { buildFeatures, loadLazyModules, type Features } from './features.js';
import type { GatewayLogger } from './log.js';
import { silentLogger } from './log.js';

/** Request header bytes (request line included) before 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

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
  readonly server: http.Server;
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
  hooks!: ExchangeHooks;
  features!: Features;
  discovery!: DiscoveryConfig;

  constructor(
    readonly upstreams: Upstreams,
    readonly options: Required<Pick<GatewayOptions, 'metrics' | 'accessLog'>> & { env: NodeJS.ProcessEnv; logger: GatewayLogger },
    private readonly previousFeatures: () => Features | undefined,
  ) {}

  async apply(config: GatewayConfig, discovery: DiscoveryConfig): Promise<void> {
    // Build everything that can fail first; swap references only once nothing can throw.
    const modules = await loadLazyModules(config, this.options.metrics);
    const previous = this.previousFeatures();
    const features = buildFeatures(config, this.options, previous, modules);
    try {
      for (const service of new Set(config.routes.map((r) => r.service))) {
        if (discovery.services[service] === undefined && config.registry === null) {
          throw new ConfigError(`route for service "${service}": the service is not in discovery.json and there is no registry`);
        }
      }
      this.upstreams.configure(config.routes, discovery);
    } catch (error) {
      features.close();
      throw error;
    }
    const table = compileRoutes(config, this.upstreams, (route) => features.pluginsFor(route));
    this.features = features;
    this.hooks = features.hooks;
    this.discovery = discovery;
    this.table = table;
    previous?.close();
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
    const watch = new RegistryWatch({ url: registry.url, token: this.options.env[registry.tokenEnv], target: this.upstreams, logger: this.options.logger });
    this.watch = { key, watch };
    watch.start();
  }

  registryState(): { url: string; state: string; lastEventId: string | null } | null {
    if (this.watch === null) return null;
    return { url: this.table.config.registry!.url, state: this.watch.watch.state, lastEventId: this.watch.watch.lastEventId };
  }

  stop(): void {
    this.watch?.watch.stop();
    this.watch = null;
    this.features.close();
    this.features.metrics?.close();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    new Exchange(this, req, res).run();
  };

  internal(req: IncomingMessage, res: ServerResponse, url: string): void {
    const path = url.split('?')[0];
    if (path === '/_portico/health') {
      const body = JSON.stringify({
        status: 'ok',
        project: this.table.config.project,
        routes: this.table.routes.length,
        registry: this.registryState(),
        upstreams: this.upstreams.describe(),
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/_portico/metrics' && this.features.metrics !== null) {
      this.features.metrics.render().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        () => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":"metrics_failed","message":"metrics could not be collected"}');
        },
      );
      return;
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
      core?.features.metrics?.breakerState(service, state);
    },
  });
  core = new GatewayCore(upstreams, { metrics: options.metrics ?? true, accessLog: options.accessLog ?? true, env, logger }, () => core?.features);
  await core.apply(parseGatewayConfig(JSON.stringify(options.config), 'config'), parseDiscoveryConfig(JSON.stringify(options.discovery), 'discovery'));
  const gatewayCore = core;

  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...options.serverTimeouts };
  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      // Slowloris: slow headers or bodies are cut off (checked every second, not Node's 30 s).
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
      requireHostHeader: true,
    },
    gatewayCore.handle,
  );
  server.on('clientError', onClientError);
  let reloading: Promise<unknown> = Promise.resolve();

  return {
    server,
    upstreams,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      gatewayCore.stop();
      await upstreams.close();
    },
    current() {
      return { config: gatewayCore.table.config, discovery: gatewayCore.discovery };
    },
  };
}

/** Requests the HTTP parser rejects get a JSON answer too (431/414/400/408), then the socket closes. */
function onClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  let response: string;
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const packet = err.rawPacket;
      const lineEnd = packet === undefined ? -1 : packet.indexOf('\r\n');
      const requestLineTooLong = lineEnd === -1 || lineEnd > MAX_URL_LENGTH;
      response = requestLineTooLong
        ? rawErrorResponse(GatewayErrors.uriTooLong, `request target longer than ${MAX_URL_LENGTH} bytes`, 'URI Too Long')
        : rawErrorResponse(GatewayErrors.headersTooLarge, `request headers larger than ${MAX_HEADER_BYTES} bytes`, 'Request Header Fields Too Large');
      break;
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      response = rawErrorResponse(GatewayErrors.requestTimeout, 'request not received in time', 'Request Timeout');
      break;
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      response = rawErrorResponse(GatewayErrors.badRequest, 'both Content-Length and Transfer-Encoding present', 'Bad Request');
      break;
    default:
      response = rawErrorResponse(GatewayErrors.badRequest, `malformed HTTP request (${err.code ?? 'parse error'})`, 'Bad Request');
  }
  socket.end(response);
}
