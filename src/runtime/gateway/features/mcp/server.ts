// The MCP endpoint itself (loaded only when gateway.json enables MCP: the SDK, ajv and zod are
// their own file, dist/runtime/gateway-mcp.mjs). Streamable HTTP through the SDK's Web-standard
// transport (web-adapter.ts bridges the gateway's HTTP types), one session per client
// (bounded, idle ones expire), and one low-level SDK Server per session whose handlers read the
// tool list built from the catalog (tools.ts) and turn calls into loopback requests (call.ts).
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { GatewayConfig } from '../../../contract/index.js';
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { GatewayLogger } from '../../log.js';
import type { CatalogView } from '../catalog/index.js';
import { mergedDocument, serviceDocument } from '../catalog/documents.js';
import type { PublishContext } from '../catalog/public-document.js';
import type { McpAccess } from './access.js';
import { callTool } from './call.js';
import { buildTools, type ToolSpec } from './tools.js';
import { sendWebResponse, toWebRequest } from './web-adapter.js';

const MAX_SESSIONS = 64;
const SESSION_IDLE_MS = 30 * 60_000;
const CHANGE_DEBOUNCE_MS = 200;
const GATEWAY_VERSION = typeof __PORTICO_VERSION__ === 'string' ? __PORTICO_VERSION__ : '0.0.0';
declare const __PORTICO_VERSION__: string | undefined;

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
}

export interface McpEndpointOptions extends McpAccess {
  catalog: CatalogView;
  logger: GatewayLogger;
}

/** Lives across reloads (sessions stay connected); `configure` gives it each new config. */
export class McpEndpoint {
  private readonly sessions = new Map<string, Session>();
  private config: GatewayConfig | null = null;
  private options: McpEndpointOptions;
  private unsubscribe: () => void = () => {};
  private fingerprint = '';
  private debounce: NodeJS.Timeout | null = null;
  private readonly sweep: NodeJS.Timeout;
  private readonly validator = new AjvJsonSchemaValidator();

  constructor(options: McpEndpointOptions) {
    this.options = options;
    this.sweep = setInterval(() => this.expire(), 60_000);
    this.sweep.unref();
  }

  configure(config: GatewayConfig, options: McpEndpointOptions): void {
    this.config = config;
    this.options = options;
    this.unsubscribe();
    this.unsubscribe = options.catalog.subscribe(() => this.catalogChanged());
    this.catalogChanged();
  }

  /** The tool list, from the catalog's published documents (servers: the gateway as the loopback sees it). */
  async tools(): Promise<ToolSpec[]> {
    const published = await this.options.catalog.published();
    if (published === null || this.config === null) return [];
    return buildTools(this.config, published.services, this.publishContext(this.config));
  }

  handle(req: HttpRequest, res: HttpResponse): void {
    this.serve(req, res).catch((error: unknown) => {
      this.options.logger.warn({ err: (error as Error).message }, 'mcp: request failed');
      if (!res.headersSent) jsonError(res, 500, 'internal_error', 'the MCP request could not be handled');
      else res.end();
    });
  }

  close(): void {
    clearInterval(this.sweep);
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.unsubscribe();
    for (const [id, s] of this.sessions) this.drop(id, s);
  }

  private async serve(req: HttpRequest, res: HttpResponse): Promise<void> {
    const admission = await this.options.admit(req);
    if (!admission.ok) {
      res.setHeader('www-authenticate', 'Bearer realm="portico"');
      return jsonError(res, 401, 'unauthorized', admission.reason);
    }
    const sessionId = req.headers['mcp-session-id'];
    let session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    if (sessionId !== undefined && session === undefined) return jsonError(res, 404, 'session_not_found', 'unknown or expired MCP session: initialize a new one');
    if (session === undefined) {
      if (this.sessions.size >= MAX_SESSIONS) this.evictOldest();
      session = this.newSession();
    }
    session.lastSeen = Date.now();
    await sendWebResponse(await session.transport.handleRequest(await toWebRequest(req)), res);
  }

  private newSession(): Session {
    const server = new Server({ name: 'portico-gateway', version: GATEWAY_VERSION }, { capabilities: { tools: { listChanged: true }, resources: {} } });
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void this.sessions.set(id, session),
      onsessionclosed: (id) => void this.sessions.delete(id),
    });
    const session: Session = { server, transport, lastSeen: Date.now() };
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: (await this.tools()).map((t) => ({
        name: t.name,
        ...(t.title === undefined ? {} : { title: t.title }),
        description: t.description,
        inputSchema: t.inputSchema,
        ...(t.outputSchema === undefined ? {} : { outputSchema: t.outputSchema }),
        annotations: { readOnlyHint: t.method === 'GET' || t.method === 'HEAD', idempotentHint: ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].includes(t.method), openWorldHint: false },
      })),
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const tool = (await this.tools()).find((t) => t.name === request.params.name);
      if (tool === undefined) throw new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name}" (tools/list names the tools; the catalog may have changed)`);
      const args = request.params.arguments ?? {};
      const check = this.validator.getValidator(tool.inputSchema)(args);
      if (!check.valid) return invalid(`invalid arguments for ${tool.name}: ${check.errorMessage}`);
      // The HTTP request this call came on was admitted in serve(); its credentials go to the route.
      const headers = (extra.requestInfo?.headers ?? {}) as Record<string, string | undefined>;
      return callTool(tool, args, this.options.passOn(headers), this.config!.listen.port);
    });
    server.setRequestHandler(ListResourcesRequestSchema, async () => {
      const published = await this.options.catalog.published();
      return {
        resources: [
          { uri: 'portico://openapi.json', name: 'openapi.json', title: 'Every service, as the gateway serves it', mimeType: 'application/json' },
          ...(published?.services ?? []).map((s) => ({ uri: `portico://catalog/${s.service}/openapi.json`, name: `${s.service} openapi.json`, mimeType: 'application/json' })),
        ],
      };
    });
    server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
      const published = await this.options.catalog.published();
      if (published === null) throw new McpError(ErrorCode.InternalError, 'the gateway has no config yet');
      const ctx = this.publishContext(published.config);
      const uri = request.params.uri;
      const service = /^portico:\/\/catalog\/([a-z0-9-]+)\/openapi\.json$/.exec(uri)?.[1];
      const entry = service === undefined ? undefined : published.services.find((s) => s.service === service);
      const document =
        uri === 'portico://openapi.json' ? mergedDocument(published.config.project, published.services, ctx).document : entry !== undefined ? serviceDocument(entry, ctx).document : null;
      if (document === null) throw new McpError(ErrorCode.InvalidParams, `no resource ${uri} (resources/list names them)`);
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(document, null, 2) }] };
    });
    void server.connect(transport);
    return session;
  }

  private publishContext(config: GatewayConfig): PublishContext {
    return { serverUrl: `http://127.0.0.1:${config.listen.port}`, auth: config.auth };
  }

  /** Services or documents may have changed: recompute the tools (debounced) and tell sessions when the list differs. */
  private catalogChanged(): void {
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.tools().then(
        (tools) => {
          const fingerprint = JSON.stringify(tools.map((t) => [t.name, t.description, t.inputSchema, t.outputSchema]));
          if (fingerprint === this.fingerprint) return;
          const first = this.fingerprint === '';
          this.fingerprint = fingerprint;
          if (first) return;
          for (const s of this.sessions.values()) s.server.sendToolListChanged().catch(() => undefined);
        },
        (error: unknown) => this.options.logger.warn({ err: (error as Error).message }, 'mcp: tool list not rebuilt'),
      );
    }, CHANGE_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private expire(): void {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [id, s] of this.sessions) if (s.lastSeen < cutoff) this.drop(id, s);
  }

  private evictOldest(): void {
    const oldest = [...this.sessions].sort((a, b) => a[1].lastSeen - b[1].lastSeen)[0];
    if (oldest !== undefined) this.drop(...oldest);
  }

  private drop(id: string, s: Session): void {
    this.sessions.delete(id);
    void s.transport.close();
  }
}

function jsonError(res: HttpResponse, status: number, error: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error, message }));
}

function invalid(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
