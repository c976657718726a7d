// Reads the running gateway's admin endpoints for the CLI (`portico catalog`, `portico openapi`):
// the gateway URL read back from Docker (never assumed), the workspace's admin token from
// .portico/state/admin-token, and one GET on 127.0.0.1.
import { PorticoError, environmentError } from '../core/errors.js';
import { getDockerClient } from './docker/dockerode-client.js';
import { collectStatus } from './status.js';
import { existingAdminToken, findProject } from './workspace.js';

const ADMIN_REQUEST_TIMEOUT_MS = 15_000;

/** Where the workspace's running gateway is and the admin token it checks. */
export interface GatewayAdminAccess {
  project: string;
  url: string;
  token: string;
}

/** The running gateway's URL (from Docker) and the workspace's admin token; exit 3 when either is missing. */
export async function gatewayAdminAccess(cwd: string): Promise<GatewayAdminAccess> {
  const { project, workspaceDir } = await findProject(cwd);
  const token = await existingAdminToken(workspaceDir);
  if (token === null) {
    throw environmentError(`the ${project} stack has no admin token yet (.portico/state/admin-token).`, 'Start the stack with `portico up`: it creates the token and gives it to the gateway.');
  }
  const url = (await collectStatus(await getDockerClient(), project)).gateway.url;
  if (url === null) throw environmentError(`the gateway of ${project} is not running.`, 'Start the stack with `portico up` (or `portico gateway up`).');
  return { project, url, token };
}

/** GET `path` on the workspace's gateway with the admin token; the parsed JSON body. */
export async function getGatewayAdmin(cwd: string, path: string): Promise<unknown> {
  const { url, token } = await gatewayAdminAccess(cwd);
  let response: Response;
  try {
    response = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw environmentError(`the gateway at ${url} did not answer ${path}: ${(error as Error).message}`, 'Check it with `portico status` and `portico logs gateway`.');
  }
  const text = await response.text();
  if (response.status === 401) {
    throw new PorticoError(`the gateway at ${url} refused the workspace's admin token.`, {
      hint: 'The gateway was started with another token (or before admin tokens existed): `portico up` restarts it with the workspace token.',
    });
  }
  if (!response.ok) throw new PorticoError(`the gateway answered ${response.status} to ${path}: ${messageOf(text)}`, { hint: 'See `portico logs gateway`.' });
  return JSON.parse(text) as unknown;
}

function messageOf(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    return text.slice(0, 200);
  }
}
