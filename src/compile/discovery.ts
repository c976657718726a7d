// Manifest -> discovery.json (pure): per service, how the registry checks it and which
// instances `portico up` creates (the registry's seeds, the gateway's static fallback).
import type { Manifest, ServiceSpec } from '../manifest/schema.js';
import { CONTRACT_VERSION, type DiscoveryConfig, type DiscoveryService } from '../runtime/contract/index.js';
import { HEALTH_DEFAULTS } from '../manifest/defaults.js';
import { containerName, networkName } from '../manifest/names.js';
import { toMs } from '../manifest/units.js';

/**
 * A self-registered instance must heartbeat within ttlMs: three missed probe intervals, but
 * never under 10 s so a busy machine (GC pause, slow CI) does not flap instances.
 */
export const MIN_TTL_MS = 10_000;
/** A critical instance stays listed (as critical) this long before the registry drops it. */
export const MIN_DEREGISTER_AFTER_MS = 60_000;

export function compileDiscovery(manifest: Manifest): DiscoveryConfig {
  const services: Record<string, DiscoveryService> = {};
  for (const [name, spec] of Object.entries(manifest.services)) {
    services[name] = compileService(manifest.name, name, spec);
  }
  return { version: CONTRACT_VERSION, project: manifest.name, network: networkName(manifest.name), services };
}

function compileService(project: string, name: string, spec: ServiceSpec): DiscoveryService {
  const health = { ...HEALTH_DEFAULTS, ...spec.health };
  const intervalMs = toMs(health.interval);
  const ttlMs = Math.max(3 * intervalMs, MIN_TTL_MS);
  const instances = Array.from({ length: spec.replicas }, (_, i) => {
    const id = containerName(project, name, i + 1);
    return { id, address: id, port: spec.port };
  });
  // Template services serve the health path (the templates implement it); a plain image
  // (redis, postgres) speaks no HTTP we know of, so it gets a TCP connect check. A Dockerfile
  // service is checked over HTTP when its manifest entry gives a `health` block, else TCP;
  // like an image it does not register itself, so it is seeded from here.
  const isTemplate = spec.template !== undefined;
  const httpCheck = isTemplate || (spec.build !== undefined && spec.health !== undefined);
  return {
    kind: isTemplate ? 'template' : 'image',
    port: spec.port,
    check: httpCheck ? { type: 'http', path: health.path } : { type: 'tcp' },
    intervalMs,
    timeoutMs: toMs(health.timeout),
    failuresBeforeCritical: health.retries,
    startPeriodMs: toMs(health.startPeriod),
    ttlMs,
    deregisterAfterMs: Math.max(MIN_DEREGISTER_AFTER_MS, 2 * ttlMs),
    instances,
    ...(spec.tls === undefined || spec.tls === false ? {} : { tls: compileTls(spec.tls) }),
  };
}

/** `tls: true` or its object form -> discovery.json's `tls` (absent for plain HTTP, so existing files stay as they were). */
function compileTls(tls: NonNullable<ServiceSpec['tls']>): DiscoveryService['tls'] {
  if (tls === true || tls === false) return { servername: null, insecureSkipVerify: false };
  return { servername: tls.servername ?? null, insecureSkipVerify: tls.insecureSkipVerify };
}
