// The in-process gateway: createGateway() builds the HTTP server, the route table and the
// upstream pools from a config; main.ts (the container entry) and the tests share it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DiscoveryConfig, GatewayConfig } from '../contract/index.js';
import { parseGatewayConfig, parseDiscoveryConfig } from './config.js';
import { GatewayErrors, rawErrorResponse } from './errors.js';
import { Exchange, MAX_URL_LENGTH, type ExchangeContext } from './exchange.js';
import type { ExchangeHooks } from './hooks.js';
import { compileRoutes, type RouteTable } from './routes.js';
import { Upstreams } from './upstreams.js';
import { buildFeatures, type Features } from './features.js';
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
}

export interface Gateway {
  readonly server: http.Server;
  readonly upstreams: Upstreams;
  /** Start listening; resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Validate and swap in a new config (and discovery); throws and keeps the old one if invalid. */
  reload(config: unknown, discovery?: unknown): void;
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

  apply(config: GatewayConfig, discovery: DiscoveryConfig): void {
    // Build everything first; only swap references once nothing can throw any more.
    const features = buildFeatures(config, this.options, this.previousFeatures());
    this.upstreams.configure(config.routes, discovery);
    const table = compileRoutes(config, this.upstreams, (route) => features.pluginsFor(route));
    this.features = features;
    this.hooks = features.hooks;
    this.discovery = discovery;
    this.table = table;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    new Exchange(this, req, res).run();
  };

  internal(req: IncomingMessage, res: ServerResponse, url: string): void {
    const path = url.split('?')[0];
    if (path === '/_portico/health') {
      const body = JSON.stringify({ status: 'ok', project: this.table.config.project, routes: this.table.routes.length, upstreams: this.upstreams.describe() });
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

export function createGateway(options: GatewayOptions): Gateway {
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
  core.apply(parseGatewayConfig(JSON.stringify(options.config), 'config'), parseDiscoveryConfig(JSON.stringify(options.discovery), 'discovery'));
  const gatewayCore = core;

  const server = http.createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      // Slowloris: headers must arrive within 10 s and a whole request within 5 min.
      headersTimeout: 10_000,
      requestTimeout: 300_000,
      keepAliveTimeout: 5_000,
      requireHostHeader: true,
    },
    gatewayCore.handle,
  );
  server.on('clientError', onClientError);

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
      const nextConfig = parseGatewayConfig(JSON.stringify(config), 'gateway.json');
      const nextDiscovery = discovery === undefined ? gatewayCore.discovery : parseDiscoveryConfig(JSON.stringify(discovery), 'discovery.json');
      gatewayCore.apply(nextConfig, nextDiscovery);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      gatewayCore.features.close();
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
