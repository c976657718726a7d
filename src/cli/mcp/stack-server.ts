// `portico mcp`: the workspace's stack as an MCP server, for an agent working in it. Each tool
// is a CLI command run in-process (run-command.ts), answering with that command's `--json`
// document as structured content, or an engine call where the CLI has no such command
// (`logs` with since/grep, `call`). Transport-free: stdio and --http connect it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { PorticoError } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import { toMs } from '../../manifest/units.js';
import { CATALOG_PATH } from '../../runtime/contract/catalog-api.js';
import { getDockerClient } from '../../engine/docker/dockerode-client.js';
import { getGatewayAdmin } from '../../engine/gateway-admin.js';
import { streamLogs } from '../../engine/logs/follow.js';
import { collectStatus } from '../../engine/status.js';
import { configDirOf, findProject } from '../../engine/workspace.js';
import { paint } from '../ui/paint.js';
import { jsonErrorDocument } from '../json-error.js';
import { callGateway } from './http-call.js';
import { parseDocument, runCommand, type ToolEnv } from './run-command.js';

const LOG_LINES_CAP = 2000;

/** Structured content is an object with whatever the CLI document holds; these name its top keys. */
const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);
const errorShape = z.object({ message: z.string(), hint: z.string().optional(), exitCode: z.number() }).loose();
const statusOutput = loose({ project: z.string(), gateway: z.object({ url: z.string().nullable() }), services: z.array(z.looseObject({ name: z.string() })) });
const upOutput = loose({ project: z.string(), ok: z.boolean() });
const downOutput = loose({ project: z.string(), removed: z.looseObject({ containers: z.array(z.string()) }) });
const validateOutput = loose({ valid: z.boolean(), file: z.string().nullable(), problems: z.array(z.looseObject({ message: z.string() })) });
const catalogOutput = loose({ project: z.string(), services: z.array(z.looseObject({ service: z.string() })) });
const logsOutput = z.object({ project: z.string(), containers: z.array(z.string()), lines: z.array(z.string()), truncated: z.boolean() });
const slotChange = z.looseObject({ service: z.string(), container: z.string(), action: z.enum(['replaced', 'added', 'removed']), ms: z.number() });
const restartOutput = loose({ ok: z.boolean(), project: z.string(), changes: z.array(slotChange) });
const callOutput = z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.string(), bytes: z.number(), truncated: z.boolean() });
const createOutput = z.object({ service: z.string(), template: z.string().nullable(), routes: z.array(z.string()), dir: z.string(), messages: z.string() });

/** A document as a tool result: the CLI's error document becomes an isError result with message and hint. */
function documentResult(doc: Record<string, unknown>): CallToolResult {
  const error = errorShape.safeParse(doc.error);
  if (error.success) {
    const { message, hint, exitCode } = error.data;
    return { isError: true, content: [{ type: 'text', text: `${message}${hint ? `\nHint: ${hint}` : ''} (exit code ${exitCode})` }] };
  }
  return { structuredContent: doc, content: [{ type: 'text', text: JSON.stringify(doc, null, 2) }] };
}

/** Runs engine work for a tool; a thrown error becomes the same isError result a command's would. */
async function engineResult(work: () => Promise<object>): Promise<CallToolResult> {
  try {
    return documentResult((await work()) as Record<string, unknown>);
  } catch (error) {
    return documentResult(jsonErrorDocument(error) as unknown as Record<string, unknown>);
  }
}

/** `since`: a duration back from now ("10m", "2h") or a timestamp, as Docker's unix seconds. */
export function sinceSeconds(since: string, now = Date.now()): number {
  const ms = /^\d+(\.\d+)?(ms|s|m|h)$/.test(since) ? now - toMs(since) : Date.parse(since);
  if (Number.isNaN(ms)) throw new PorticoError(`since must be a duration like "10m" or a timestamp, got "${since}".`, { exitCode: 2 });
  return Math.floor(ms / 1000);
}

async function gatewayUrl(cwd: string): Promise<string> {
  const { project } = await findProject(cwd);
  const url = (await collectStatus(await getDockerClient(), project)).gateway.url;
  if (url === null) throw new PorticoError(`the gateway of ${project} is not running.`, { exitCode: 3, hint: 'Start the stack with the `up` tool (or `portico up`).' });
  return url;
}

export function createStackServer(te: ToolEnv): McpServer {
  const server = new McpServer({ name: 'portico', version: VERSION }, { instructions: 'The local Portico stack of the workspace: its status, logs, lifecycle, catalog, and HTTP calls through its gateway.' });
  const command = async <O>(load: () => Promise<{ run: (o: O, ctx: never) => Promise<number | void> }>, options: O) =>
    documentResult(parseDocument(await runCommand((await load()).run as never, options, te)));

  server.registerTool('status', { title: 'Stack status', description: 'What is running: every container with state and health, the registry view, the gateway URL (as `portico status --json`).', inputSchema: {}, outputSchema: statusOutput, annotations: { readOnlyHint: true } },
    () => command(() => import('../commands/status.js'), { json: true }));

  server.registerTool('logs', {
    title: 'Container logs',
    description: `The last lines of the stack's container logs, each prefixed with its container (at most ${LOG_LINES_CAP} lines).`,
    inputSchema: {
      service: z.array(z.string()).optional().describe('only these services (default: all)'),
      tail: z.number().int().min(0).max(LOG_LINES_CAP).optional().describe('lines from the end of each container log (default 100)'),
      since: z.string().optional().describe('only lines newer than this: a duration back from now ("10m", "2h") or an ISO timestamp'),
      grep: z.string().optional().describe('only lines containing this text (a JavaScript regular expression)'),
    },
    outputSchema: logsOutput,
    annotations: { readOnlyHint: true },
  }, (args) => engineResult(async () => {
    const docker = await getDockerClient();
    const { project } = await findProject(te.cwd);
    const { logContainers } = await import('../commands/logs.js');
    const containers = await logContainers(docker, project, args.service ?? []);
    const match = args.grep === undefined ? null : new RegExp(args.grep);
    const lines: string[] = [];
    await streamLogs(docker, containers, {
      follow: false,
      tail: args.tail ?? 100,
      since: args.since === undefined ? undefined : sinceSeconds(args.since),
      signal: te.signal ?? new AbortController().signal,
      p: paint(false),
      write: (line) => {
        if (match === null || match.test(line)) lines.push(line);
      },
    });
    return { project, containers: containers.map((c) => c.name), lines: lines.slice(-LOG_LINES_CAP), truncated: lines.length > LOG_LINES_CAP };
  }));

  server.registerTool('up', {
    title: 'Start the stack',
    description: 'Build what changed, start the stack (or only some services and what they depend on) and wait until healthy (as `portico up --json`).',
    inputSchema: { services: z.array(z.string()).optional().describe('only these services'), build: z.boolean().optional().describe('rebuild images even when sources did not change') },
    outputSchema: upOutput,
  }, (args) => command(() => import('../commands/up.js'), { service: args.services ?? [], build: args.build, wait: true, json: true }));

  server.registerTool('restart', {
    title: 'Restart services',
    description: 'Replace every container of the services one at a time, start-first: each new container is healthy and registered before the old one is drained, so no request fails (as `portico restart --json`).',
    inputSchema: {
      service: z.union([z.string(), z.array(z.string()).min(1)]).describe('the service name (as in portico.yaml), or several'),
      timeout: z.string().optional().describe('how long each new container may take to become healthy, e.g. "120s" (default as `portico restart`)'),
    },
    outputSchema: restartOutput,
  }, (args) => command(() => import('../commands/restart.js'), { service: typeof args.service === 'string' ? [args.service] : args.service, timeout: args.timeout, json: true }));

  server.registerTool('down', {
    title: 'Stop and remove the stack',
    description: 'Remove every container and the network of the stack (as `portico down --json`). Destructive: refused unless `confirm` is true.',
    inputSchema: { confirm: z.boolean().optional().describe('must be true: the stack is removed'), volumes: z.boolean().optional().describe('also remove the named volumes (their data is lost)') },
    outputSchema: downOutput,
    annotations: { destructiveHint: true },
  }, (args) => {
    if (args.confirm !== true) {
      return { isError: true, content: [{ type: 'text', text: 'down refused: it removes every container of the stack. Call it again with `confirm: true` if that is what the user wants.' }] };
    }
    return command(() => import('../commands/down.js'), { volumes: args.volumes ?? false, json: true });
  });

  server.registerTool('validate', { title: 'Validate portico.yaml', description: 'Check portico.yaml: schema, semantics, template ids (as `portico validate --json`).', inputSchema: {}, outputSchema: validateOutput, annotations: { readOnlyHint: true } },
    () => command(() => import('../commands/validate.js'), { json: true }));

  server.registerTool('catalog', { title: 'API catalog', description: "The running gateway's API catalog: services, routes, auth, health, OpenAPI state (as `portico catalog --json`).", inputSchema: {}, outputSchema: catalogOutput, annotations: { readOnlyHint: true } },
    () => command(() => import('../commands/catalog.js'), { json: true }));

  server.registerTool('call', {
    title: 'HTTP call through the gateway',
    description: 'Send one HTTP request to the stack\'s gateway (as any client: routing, auth, rate limits apply). The body of the answer is capped at 64 KiB.',
    inputSchema: {
      method: z.string().regex(/^[A-Za-z]+$/).describe('GET, POST, ...'),
      path: z.string().describe('path and query on the gateway, e.g. /api/orders/items?limit=5'),
      headers: z.record(z.string(), z.string()).optional().describe('request headers, e.g. { "x-api-key": "..." }'),
      body: z.unknown().optional().describe('a string is sent as is; anything else as JSON'),
    },
    outputSchema: callOutput,
    annotations: { openWorldHint: false },
  }, (args) => engineResult(async () => callGateway(await gatewayUrl(te.cwd), args)));

  server.registerTool('create_service', {
    title: 'Create a service',
    description: 'Scaffold services/<name> from a template, add it to portico.yaml and regenerate .portico/* (as `portico create --yes`). Start it with `up`.',
    inputSchema: {
      name: z.string().describe('service name (lowercase letters, digits and dashes)'),
      template: z.string().optional().describe('template id (default: the first template)'),
      route: z.string().optional().describe('gateway route prefix, e.g. /api/orders'),
      install: z.boolean().optional().describe('run npm install in the new service (default false)'),
    },
    outputSchema: createOutput,
  }, async (args) => {
    const { run } = await import('../commands/create.js');
    const outcome = await runCommand(run, { name: args.name, template: args.template, route: args.route, install: args.install ?? false, yes: true }, te);
    if (outcome.code !== 0) return documentResult(parseDocument(outcome));
    return engineResult(async () => {
      const ref = await findProject(te.cwd);
      const service = ref.loaded?.manifest.services[args.name];
      return {
        service: args.name,
        template: service?.template ?? null,
        routes: (service?.routes ?? []).map((r) => r.path),
        dir: path.join(ref.workspaceDir, 'services', args.name),
        messages: outcome.stdout,
      };
    });
  });

  registerResources(server, te);
  return server;
}

function registerResources(server: McpServer, te: ToolEnv): void {
  const file = (name: string, uri: string, relative: (dir: string) => string, mimeType: string, description: string) =>
    server.registerResource(name, uri, { mimeType, description }, async () => {
      const { workspaceDir } = await findProject(te.cwd);
      return { contents: [{ uri, mimeType, text: await readFile(relative(workspaceDir), 'utf8') }] };
    });
  file('portico.yaml', 'portico://workspace/portico.yaml', (dir) => path.join(dir, 'portico.yaml'), 'application/yaml', 'The workspace manifest.');
  file('gateway.json', 'portico://workspace/.portico/gateway.json', (dir) => path.join(configDirOf(dir), 'gateway.json'), 'application/json', 'The generated gateway config.');
  file('discovery.json', 'portico://workspace/.portico/discovery.json', (dir) => path.join(configDirOf(dir), 'discovery.json'), 'application/json', 'The generated discovery config.');
  server.registerResource('catalog', 'portico://stack/catalog', { mimeType: 'application/json', description: "The running gateway's API catalog." }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await getGatewayAdmin(te.cwd, CATALOG_PATH), null, 2) }],
  }));
}
