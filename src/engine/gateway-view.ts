// Whether the running gateway balances over an instance yet, asked from the host: its public
// /_portico/health lists, per upstream service, the instances it routes to. A rolling replace
// waits on this rather than on the registry (engine/registry-view.ts) when it can: it is exactly
// "the gateway routes to it", and a loopback request every few milliseconds costs next to
// nothing, where the registry can only be asked through a `docker exec` starting node inside
// its container (~70 ms of CPU, taken while the new container starts up).
import http from 'node:http';
import type { PortBinding } from '../compile/container-spec.js';
import { GATEWAY_CONTAINER_PORT } from '../runtime/contract/index.js';

/** How often the gateway is asked (a loopback GET of a small JSON document). */
const POLL_MS = 20;
const REQUEST_TIMEOUT_MS = 2_000;

/** The gateway routes to the instance; it does not yet; or it cannot tell (ask the registry). */
export type GatewayRouting = 'routed' | 'not-yet' | 'unknown';

/** Pure: the gateway's URL on the host from its published ports, or null when it publishes none. */
export function gatewayUrlFromPorts(ports: PortBinding[]): string | null {
  const binding = ports.find((p) => p.containerPort === GATEWAY_CONTAINER_PORT);
  if (!binding) return null;
  const host = binding.hostIp === '' || binding.hostIp === '0.0.0.0' ? '127.0.0.1' : binding.hostIp === '::' ? '[::1]' : binding.hostIp;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${binding.hostPort}`;
}

/**
 * Pure: what a /_portico/health body says of `instanceId` of `service`. `unknown` when the
 * gateway has no upstream of that service (no route leads to it) or does not balance it from
 * the registry (its registry subscription is not up: it uses discovery.json's static list).
 */
export function routingOf(body: string, service: string, instanceId: string): GatewayRouting {
  let health: { upstreams?: Record<string, { source?: string; instances?: unknown }> };
  try {
    health = JSON.parse(body) as typeof health;
  } catch {
    return 'unknown';
  }
  const upstream = health.upstreams?.[service];
  if (!upstream || upstream.source !== 'registry' || !Array.isArray(upstream.instances)) return 'unknown';
  return upstream.instances.some((i) => typeof i === 'string' && i.startsWith(`${instanceId}@`)) ? 'routed' : 'not-yet';
}

/**
 * Resolves 'routed' once the gateway at `url` balances over `instanceId`, 'not-yet' when it did
 * not within `timeoutMs`, 'unknown' as soon as the gateway cannot tell (see routingOf) or does
 * not answer.
 */
export async function waitRoutedByGateway(url: string, service: string, instanceId: string, timeoutMs: number, signal?: AbortSignal): Promise<GatewayRouting> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const body = await getText(`${url}/_portico/health`, agent).catch(() => undefined);
      const routing = body === undefined ? 'unknown' : routingOf(body, service, instanceId);
      if (routing !== 'not-yet' || Date.now() + POLL_MS > deadline || signal?.aborted) return routing;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    agent.destroy();
  }
}

function getText(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
