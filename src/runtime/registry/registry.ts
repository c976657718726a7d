// Wires the catalog, the probe loop, the watch hub and the HTTP server into one registry.
// main.ts starts it from the container's environment; tests start it in-process.
import type { AddressInfo } from 'node:net';
import type { DiscoveryConfig } from '../contract/index.js';
import { createTokenCheck } from './auth.js';
import { Catalog, systemClock, type Clock, type ProbeTarget } from './catalog.js';
import { probe as realProbe, type Prober } from './probe.js';
import { createRegistryServer } from './server.js';
import { createAddressPolicy } from './validate.js';
import { createWatchHub } from './watch.js';

export interface RegistryOptions {
  discovery: DiscoveryConfig;
  token: string;
  /** Subnets registrations may come from besides loopback (the stack network). */
  networks: string[];
  host?: string;
  port?: number;
  version?: string;
  clock?: Clock;
  prober?: Prober;
  /** How often expiry and due probes are looked at. */
  loopMs?: number;
  keepAliveMs?: number;
  /**
   * Probe every seeded instance once before accepting connections, so the first snapshot a
   * (re)connecting gateway sees already has the stack's healthy instances as passing.
   * Bounded by the longest probe timeout.
   */
  warmUp?: boolean;
  log?: (record: Record<string, unknown>) => void;
}

export interface RunningRegistry {
  catalog: Catalog;
  /** Apply a changed discovery.json; returns the services whose instances changed. */
  reload(discovery: DiscoveryConfig): string[];
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const clock = options.clock ?? systemClock;
  const prober = options.prober ?? realProbe;
  const log = options.log ?? (() => {});
  const catalog = new Catalog({ clock });
  catalog.seed(options.discovery);
  catalog.subscribe((change) => log({ level: 'info', msg: 'change', index: change.index, service: change.service, instances: change.instances.map((i) => `${i.id}=${i.status}`) }));

  let closed = false;
  // Failed probes are logged while they lead up to critical (not forever after), so the log
  // tells why an instance left the rotation without repeating it every interval.
  const record = (target: ProbeTarget, ok: boolean, output: string) => {
    const before = catalog.instance(target.service, target.id)?.status;
    catalog.recordProbe(target, ok, output);
    if (!ok && before !== undefined && before !== 'critical') log({ level: 'warn', msg: 'probe failed', service: target.service, id: target.id, output });
  };
  const inFlight = new Set<Promise<void>>();
  const runDueProbes = (): Promise<void>[] =>
    catalog.dueProbes(clock.now()).map((target) => {
      const p = prober(target).then(
        (result) => record(target, result.ok, result.output),
        (error: unknown) => record(target, false, String(error)),
      ).then(() => {
        // A failure may make confirmation probes due at once: start them without waiting a tick.
        if (!closed) runDueProbes();
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    });

  if (options.warmUp ?? true) await Promise.all(runDueProbes());

  const loopMs = options.loopMs ?? 25;
  const loop = setInterval(() => {
    if (closed) return;
    catalog.tick(clock.now());
    runDueProbes();
  }, loopMs);

  const watch = createWatchHub(catalog, options.keepAliveMs ?? 15_000);
  const server = createRegistryServer({
    catalog,
    watch,
    authorize: createTokenCheck(options.token),
    addressPolicy: createAddressPolicy(options.discovery.project, options.networks),
    version: options.version ?? '0.0.0',
    probeSoon: () => void runDueProbes(),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  log({ level: 'info', msg: 'listening', port: address.port, index: catalog.index, services: Object.keys(options.discovery.services) });

  return {
    catalog,
    url: `http://${host}:${address.port}`,
    reload(discovery) {
      const changed = catalog.reseed(discovery);
      runDueProbes();
      return changed;
    },
    port: address.port,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(loop);
      watch.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([...inFlight]);
    },
  };
}
