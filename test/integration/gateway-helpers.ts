// Shared fixtures for the gateway's in-process tests: real upstream HTTP servers and a real
// gateway, all on 127.0.0.1 with OS-assigned ports, and a FixtureScope that closes them after
// each test. Wire-level tools (raw sockets, a response parser) are in gateway-raw-helpers.ts.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { DiscoveryConfig, GatewayConfig, GatewayRoute } from '../../src/runtime/contract/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/runtime/gateway/gateway.js';

/** A running upstream and what it saw, for assertions on what the gateway forwarded. */
export interface Upstream {
  name: string;
  port: number;
  /** TCP connections the upstream accepted (connection reuse checks). */
  connections: number;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  server: http.Server;
  close(): Promise<void>;
}

/** How an upstream answers (the request body already read), for tests that need a particular answer. */
export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const echo: UpstreamHandler = (req, res, body) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
};

/** A real Node HTTP upstream on 127.0.0.1 (echoes the request as JSON unless given a handler). */
export async function startUpstream(name: string, handler: UpstreamHandler = echo): Promise<Upstream> {
  const up: Upstream = {
    name,
    port: 0,
    connections: 0,
    requests: [],
    server: http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        up.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.setHeader('x-upstream', name);
        handler(req, res, body);
      });
    }),
    async close() {
      up.server.closeAllConnections();
      await new Promise<void>((resolve) => up.server.close(() => resolve()));
    },
  };
  up.server.on('connection', () => up.connections++);
  await new Promise<void>((resolve) => up.server.listen(0, '127.0.0.1', resolve));
  up.port = (up.server.address() as AddressInfo).port;
  return up;
}

/** A free port with nothing listening (connection refused). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A complete route with permissive test defaults, so a test spells out only what it is about. */
export function route(overrides: Partial<GatewayRoute> & Pick<GatewayRoute, 'service' | 'path'>): GatewayRoute {
  return {
    id: `${overrides.service}#0`,
    host: null,
    methods: null,
    stripPrefix: true,
    auth: 'none',
    timeouts: { connectMs: 1000, headerMs: 5000, bodyMs: 5000 },
    retries: 1,
    circuitBreaker: { failureThreshold: 5, resetAfterMs: 10_000 },
    rateLimit: null,
    cache: null,
    cors: null,
    maxBodyBytes: 1024 * 1024,
    ...overrides,
  };
}

/** A complete gateway.json around `routes`, so a test spells out only what it is about. */
export function gatewayConfig(routes: GatewayRoute[], overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    version: 1,
    project: 'test',
    listen: { port: 8080 },
    registry: null,
    auth: { apiKeys: [], jwt: null },
    trustedProxies: [],
    cacheMaxBytes: 1024 * 1024,
    routes,
    ...overrides,
  };
}

/** discovery.json with the given static instances per service (`port` list on 127.0.0.1). */
export function discovery(services: Record<string, number[]>): DiscoveryConfig {
  return {
    version: 1,
    project: 'test',
    network: 'test_net',
    services: Object.fromEntries(
      Object.entries(services).map(([name, ports]) => [
        name,
        {
          kind: 'template' as const,
          port: 3000,
          check: { type: 'http' as const, path: '/healthz' },
          intervalMs: 1000,
          timeoutMs: 500,
          failuresBeforeCritical: 3,
          startPeriodMs: 0,
          ttlMs: 10_000,
          deregisterAfterMs: 60_000,
          instances: ports.map((port, i) => ({ id: `test-${name}-${i + 1}`, address: '127.0.0.1', port })),
        },
      ]),
    ),
  };
}

/** A listening gateway with its port, for requests and for closing it. */
export interface RunningGateway {
  gateway: Gateway;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** What startGateway takes: the gateway's options, with metrics and the access log optional. */
export type StartGatewayOptions = Omit<GatewayOptions, 'metrics' | 'accessLog'> & Partial<Pick<GatewayOptions, 'metrics' | 'accessLog'>>;

/** A real gateway listening on 127.0.0.1 (access log off unless asked for). */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const gateway = await createGateway({ accessLog: false, ...options });
  const address = await gateway.listen(0, '127.0.0.1');
  return { gateway, port: address.port, url: `http://127.0.0.1:${address.port}`, close: () => gateway.close() };
}

/** A complete answer to `send`, for assertions on status, headers and body. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

/** One request with full control over the path (no URL normalization) and headers. */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent | false } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Write raw bytes on a fresh TCP connection and collect everything until the server closes or `ms` pass. */
export function rawRequest(port: number, payload: string, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', reject);
    socket.write(payload);
  });
}

/** Poll `check` (errors count as "not yet") until it holds or `ms` pass. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Wait `ms` (e.g. to give an unwanted request time to arrive before asserting it did not). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Everything one test (or one suite) started, so that closeAll leaves nothing listening or connected. */
export interface FixtureScope {
  /** startUpstream, closed by closeAll. */
  upstream(name: string, handler?: UpstreamHandler): Promise<Upstream>;
  /** startGateway, closed by closeAll. */
  gateway(options: StartGatewayOptions): Promise<RunningGateway>;
  /** A gateway with one route `/s` -> service s on `port` (gateway options and route fields overridable), closed by closeAll. */
  gatewayFor(port: number, extra?: Partial<StartGatewayOptions>, routeExtra?: Partial<Parameters<typeof route>[0]>): Promise<RunningGateway>;
  /** Run `cleanup` in closeAll; the last one registered runs first. */
  onCleanup(cleanup: () => Promise<void> | void): void;
  /** A client connection, destroyed before every other cleanup: a gateway closes only once its connections are gone. */
  trackClient(client: { destroy(): void }): void;
  /** Destroy the tracked clients, then run the cleanups in reverse order; the scope can be used again afterwards. */
  closeAll(): Promise<void>;
}

/** Per-test ownership of fixtures: `const fixtures = fixtureScope(); afterEach(() => fixtures.closeAll());`. */
export function fixtureScope(): FixtureScope {
  const cleanups: (() => Promise<void> | void)[] = [];
  const clients = new Set<{ destroy(): void }>();
  const scope: FixtureScope = {
    async upstream(name, handler) {
      const u = await startUpstream(name, handler);
      cleanups.push(() => u.close());
      return u;
    },
    async gateway(options) {
      const g = await startGateway(options);
      cleanups.push(() => g.close());
      return g;
    },
    gatewayFor(port, extra = {}, routeExtra = {}) {
      return scope.gateway({ config: gatewayConfig([route({ service: 's', path: '/s', ...routeExtra })]), discovery: discovery({ s: [port] }), ...extra });
    },
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
    trackClient(client) {
      clients.add(client);
    },
    async closeAll() {
      for (const c of clients) c.destroy();
      clients.clear();
      while (cleanups.length > 0) await cleanups.pop()!();
    },
  };
  return scope;
}
