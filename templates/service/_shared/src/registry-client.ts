// Portico registry client: registers this service with the stack's registry when its server
// listens, heartbeats within the TTL, and deregisters on stop(). Node built-ins only.
//
// Usage: const registration = registerWithPortico({ server, log });
//        process.on('SIGTERM', async () => { await registration.stop(); server.close(); });
//
// Configured by the environment `portico up` injects (names copied from Portico's contract;
// a template cannot import Portico). Without PORTICO_REGISTRY_URL (the service runs outside
// Portico) it does nothing.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';

const ENV = {
  service: 'PORTICO_SERVICE',
  instanceId: 'PORTICO_INSTANCE_ID',
  registryUrl: 'PORTICO_REGISTRY_URL',
  registryToken: 'PORTICO_REGISTRY_TOKEN',
  port: 'PORT',
  healthPath: 'PORTICO_HEALTH_PATH',
  version: 'PORTICO_SERVICE_VERSION',
} as const;

/** Retry delays while the registry is not reachable: 250 ms doubling up to 5 s, with jitter. */
const BACKOFF_START_MS = 250;
const BACKOFF_MAX_MS = 5_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** Used until the registry tells the TTL it applies. */
const DEFAULT_TTL_MS = 30_000;

export interface RegistryClientLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RegistryClientOptions {
  server: Server;
  log?: RegistryClientLog;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** The address to register; defaults to this container's own IP (or its hostname). */
  address?: string;
}

export interface Registration {
  stop(): Promise<void>;
}

export function registerWithPortico(options: RegistryClientOptions): Registration {
  const env = options.env ?? process.env;
  const log = options.log ?? silentLog;
  const registryUrl = env[ENV.registryUrl];
  if (!registryUrl) return { stop: async () => {} };

  const service = env[ENV.service] ?? '';
  const instanceId = env[ENV.instanceId] || os.hostname();
  const token = env[ENV.registryToken] ?? '';
  if (!service) {
    log.warn({ env: ENV.service }, 'not registering with Portico: PORTICO_SERVICE is not set');
    return { stop: async () => {} };
  }
  const base = registryUrl.replace(/\/+$/, '');
  const instanceUrl = `${base}/v1/services/${encodeURIComponent(service)}/instances/${encodeURIComponent(instanceId)}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  let stopped = false;
  let registered = false;
  let timer: NodeJS.Timeout | undefined;
  let ttlMs = DEFAULT_TTL_MS;
  let failures = 0;
  let current: Promise<void> = Promise.resolve();

  const schedule = (delayMs: number, step: () => Promise<void>) => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = step();
    }, delayMs);
    // Never keep the process alive just to talk to the registry.
    timer.unref();
  };

  const backoff = () => {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(failures, 10));
    failures += 1;
    return Math.round(base / 2 + Math.random() * (base / 2));
  };

  const body = () => {
    const port = listeningPort(options.server) ?? Number(env[ENV.port]);
    return JSON.stringify({
      address: options.address ?? ownAddress(),
      port,
      ...(env[ENV.version] ? { version: env[ENV.version] } : {}),
      ...(env[ENV.healthPath] ? { healthPath: env[ENV.healthPath] } : {}),
    });
  };

  const register = async (): Promise<void> => {
    try {
      const response = await fetch(instanceUrl, { method: 'PUT', headers, body: body(), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const answer = (await response.json().catch(() => ({}))) as { ttlMs?: number; message?: string };
      if (response.ok) {
        if (typeof answer.ttlMs === 'number' && answer.ttlMs > 0) ttlMs = answer.ttlMs;
        if (!registered || failures > 0) log.info({ registry: base, service, instanceId }, 'registered with the Portico registry');
        registered = true;
        failures = 0;
        schedule(heartbeatDelay(), heartbeat);
        return;
      }
      if (response.status === 400 || response.status === 401) {
        // Retrying cannot fix a rejected registration or a wrong token: say why and stop.
        log.warn({ registry: base, status: response.status, reason: answer.message }, 'the Portico registry rejected this instance; not registering');
        return;
      }
      if (failures === 0) log.warn({ registry: base, status: response.status }, 'Portico registry not ready; retrying');
    } catch (error) {
      if (failures === 0) log.warn({ registry: base, error: (error as Error).message }, 'Portico registry not reachable yet; retrying');
    }
    schedule(backoff(), register);
  };

  const heartbeat = async (): Promise<void> => {
    try {
      const response = await fetch(`${instanceUrl}/heartbeat`, { method: 'PUT', headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await response.body?.cancel();
      if (response.status === 404) {
        // The registry restarted (or expired us): register again right away.
        log.info({ registry: base }, 'unknown to the Portico registry; registering again');
        return register();
      }
      if (response.ok) {
        failures = 0;
        return schedule(heartbeatDelay(), heartbeat);
      }
    } catch {
      // Unreachable (restarting): keep trying, but not slower than the heartbeat period.
    }
    schedule(Math.min(backoff(), heartbeatDelay()), heartbeat);
  };

  const heartbeatDelay = () => Math.max(250, Math.floor(ttlMs / 3));

  const start = () => {
    current = register();
  };
  if (options.server.listening) start();
  else options.server.once('listening', start);

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      options.server.off('listening', start);
      clearTimeout(timer);
      await current.catch(() => {});
      if (!registered) return;
      try {
        const response = await fetch(instanceUrl, { method: 'DELETE', headers: { authorization: headers.authorization }, signal: AbortSignal.timeout(2_000) });
        await response.body?.cancel();
        log.info({ registry: base }, 'deregistered from the Portico registry');
      } catch (error) {
        log.warn({ registry: base, error: (error as Error).message }, 'could not deregister from the Portico registry');
      }
    },
  };
}

function listeningPort(server: Server): number | undefined {
  const address = server.address();
  return address !== null && typeof address === 'object' ? (address as AddressInfo).port : undefined;
}

/** This container's IP on its network: the first non-internal IPv4 address, else the hostname. */
function ownAddress(): string {
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (!info.internal && info.family === 'IPv4') return info.address;
    }
  }
  return os.hostname();
}

const silentLog: RegistryClientLog = { info() {}, warn() {} };
