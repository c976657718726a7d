// The registry's view of the stack, for `portico status`. The registry is not published on
// the host, so ask it from inside its own container (docker exec + node's fetch).
import type { DockerClient } from './docker/client.js';
import { REGISTRY_CONTAINER_PORT, type RegistryInstance } from '../runtime/contract/index.js';
import { containerName } from '../manifest/names.js';

export type RegistryView =
  | { reachable: true; services: Record<string, RegistryInstance[]> }
  | { reachable: false; error: string };

const FETCH_SERVICES = `fetch('http://127.0.0.1:${REGISTRY_CONTAINER_PORT}/v1/services').then(r=>r.text()).then(t=>process.stdout.write(t),e=>{console.error(String(e));process.exit(1)})`;

export async function registryView(docker: DockerClient, project: string): Promise<RegistryView> {
  try {
    const res = await docker.exec(containerName(project, 'registry', 1), ['node', '-e', FETCH_SERVICES]);
    if (res.exitCode !== 0) return { reachable: false, error: (res.stderr || res.stdout).trim() || `exit ${res.exitCode}` };
    const body = JSON.parse(res.stdout) as { services?: Record<string, RegistryInstance[]> };
    return { reachable: true, services: body.services ?? {} };
  } catch (error) {
    return { reachable: false, error: (error as Error).message };
  }
}

/** The registry status of one instance (its id: the container name, or `dev.portico.instance`), or null when not listed. */
export function registryStatusOf(view: RegistryView, service: string, instanceId: string): string | null {
  if (!view.reachable) return null;
  return view.services[service]?.find((i) => i.id === instanceId)?.status ?? null;
}

/** How often the waiter inside the registry container asks (a loopback request: cheap). */
const WAIT_POLL_MS = 25;

/**
 * Resolves true once the registry lists `id` of `service` as passing, false after `timeoutMs`.
 * One `docker exec` running a small loop inside the registry container: starting an exec costs
 * far more than a loopback request, so polling from here would add that cost to every look.
 * node:http rather than fetch: fetch loads undici first, CPU the new container's start-up
 * competes for.
 */
export async function waitPassingInRegistry(docker: DockerClient, project: string, service: string, id: string, timeoutMs: number): Promise<boolean> {
  const url = `http://127.0.0.1:${REGISTRY_CONTAINER_PORT}/v1/services/${service}`;
  const script = [
    `const until=Date.now()+${Math.max(0, Math.round(timeoutMs))};`,
    `const passing=(t)=>{try{return (JSON.parse(t).instances||[]).some(i=>i.id===${JSON.stringify(id)}&&i.status==='passing')}catch{return false}};`,
    `const next=()=>{if(Date.now()>until)process.exit(2);setTimeout(look,${WAIT_POLL_MS})};`,
    `const look=()=>require('http').get(${JSON.stringify(url)},r=>{let t='';r.setEncoding('utf8');r.on('data',c=>t+=c);`,
    `r.on('end',()=>passing(t)?process.exit(0):next())}).on('error',next);look();`,
  ].join('');
  const res = await docker.exec(containerName(project, 'registry', 1), ['node', '-e', script]);
  return res.exitCode === 0;
}
