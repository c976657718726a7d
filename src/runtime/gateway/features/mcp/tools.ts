// The catalog's operations as MCP tool definitions (pure): one tool per published operation of
// the routes MCP may offer (gateway.json `mcp.include`/`exclude`, route `mcp: false`). A tool
// knows how to turn its arguments back into the HTTP request (call.ts): which argument is a
// path, query or header parameter, and `body` for the JSON request body.
import type { GatewayConfig, GatewayRoute } from '../../../contract/index.js';
import type { PublishedService } from '../catalog/documents.js';
import { isObject, publicOperations, type PublishContext } from '../catalog/public-document.js';

type Json = Record<string, unknown>;

export interface ToolParameter {
  name: string;
  in: 'path' | 'query' | 'header';
}

export interface ToolSpec {
  name: string;
  title: string | undefined;
  description: string;
  inputSchema: Json & { type: 'object' };
  outputSchema: (Json & { type: 'object' }) | undefined;
  service: string;
  route: GatewayRoute;
  method: string;
  /** The public path template, e.g. /api/orders/items/{id}. */
  path: string;
  parameters: ToolParameter[];
  hasBody: boolean;
}

/** MCP tool names: letters, digits, `_` and `-` (the spec also allows `.`), at most 64 here (clients cap lengths). */
const NAME_MAX = 64;
/** Credentials are the MCP caller's own, and the gateway frames bodies itself: never tool arguments. */
const RESERVED_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'content-type', 'content-length', 'host', 'transfer-encoding']);

/** Whether MCP offers the route's operations. `include` null: every route; entries name a service or a route path. */
export function offered(route: GatewayRoute, mcp: NonNullable<GatewayConfig['mcp']>): boolean {
  if (route.mcp === false) return false;
  const names = (list: readonly string[]) => list.includes(route.service) || list.includes(route.path);
  if (mcp.include !== null && !names(mcp.include)) return false;
  return !names(mcp.exclude);
}

export function buildTools(config: GatewayConfig, services: readonly PublishedService[], ctx: PublishContext): ToolSpec[] {
  const mcp = config.mcp ?? { include: null, exclude: [] };
  const used = new Set<string>();
  const tools: ToolSpec[] = [];
  for (const entry of services) {
    const routes = entry.routes.filter((r) => offered(r, mcp));
    const defs = componentSchemas(entry.document);
    for (const op of publicOperations(entry.document, routes, ctx)) {
      const parameters = mergedParameters(op.pathItem.parameters, op.operation.parameters, entry.document);
      const properties: Json = {};
      const required: string[] = [];
      const toolParameters: ToolParameter[] = [];
      for (const p of parameters) {
        if (p.in === 'header' && RESERVED_HEADERS.has(p.name.toLowerCase())) continue;
        properties[p.name] = { ...(isObject(p.schema) ? p.schema : { type: 'string' }), ...(typeof p.description === 'string' ? { description: p.description } : {}) };
        if (p.required === true || p.in === 'path') required.push(p.name);
        toolParameters.push({ name: p.name, in: p.in });
      }
      const body = jsonBody(op.operation.requestBody, entry.document);
      if (body !== null) {
        properties.body = body.schema;
        if (body.required) required.push('body');
      }
      const output = jsonResponse(op.operation.responses, entry.document);
      const summary = typeof op.operation.summary === 'string' ? op.operation.summary : undefined;
      const description = [summary, typeof op.operation.description === 'string' ? op.operation.description : undefined].filter(Boolean).join('\n\n');
      tools.push({
        name: uniqueName(toolName(entry.service, op.operation.operationId, op.method, op.path, op.route), used),
        title: summary,
        description: `${description || `${op.method.toUpperCase()} ${op.path}`}\n\n${op.method.toUpperCase()} ${op.path} (service ${entry.service}${op.route.auth === 'required' ? '; needs a credential: x-api-key or Authorization: Bearer <jwt> on the MCP request' : ''})`,
        inputSchema: withDefs({ type: 'object', properties, ...(required.length > 0 ? { required } : {}) }, defs),
        outputSchema: output === null ? undefined : withDefs(output, defs),
        service: entry.service,
        route: op.route,
        method: op.method.toUpperCase(),
        path: op.path,
        parameters: toolParameters,
        hasBody: body !== null,
      });
    }
  }
  return tools;
}

/** `<service>_<operationId>`, or `<service>_<method>_<path below the route>` (`{id}` -> `id`). */
export function toolName(service: string, operationId: unknown, method: string, path: string, route: GatewayRoute): string {
  const below = route.path !== '/' && path.startsWith(route.path) ? path.slice(route.path.length) : path;
  const id = typeof operationId === 'string' && operationId !== '' ? operationId : `${method}_${below.replace(/[{}]/g, '').split('/').filter(Boolean).join('_') || 'root'}`;
  return `${service}_${id}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, NAME_MAX);
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n++) candidate = `${name.slice(0, NAME_MAX - String(n).length - 1)}_${n}`;
  used.add(candidate);
  return candidate;
}

interface Parameter {
  name: string;
  in: ToolParameter['in'];
  required?: unknown;
  schema?: unknown;
  description?: unknown;
}

/** Path-item parameters overridden by the operation's (same name and location); cookies are left out. */
function mergedParameters(fromItem: unknown, fromOperation: unknown, document: Json): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of [fromItem, fromOperation]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = resolveRef(raw, document);
      if (!isObject(p) || typeof p.name !== 'string' || (p.in !== 'path' && p.in !== 'query' && p.in !== 'header')) continue;
      byKey.set(`${p.in}:${p.name}`, p as unknown as Parameter);
    }
  }
  return [...byKey.values()];
}

function jsonBody(requestBody: unknown, document: Json): { schema: Json; required: boolean } | null {
  const body = resolveRef(requestBody, document);
  if (!isObject(body) || !isObject(body.content)) return null;
  const media = Object.entries(body.content).find(([type]) => /^application\/([a-z.+-]*\+)?json/i.test(type))?.[1];
  if (!isObject(media)) return null;
  return { schema: isObject(media.schema) ? media.schema : {}, required: body.required === true };
}

/** The JSON schema of the first 2xx answer, when it describes an object (MCP structured content is one). */
function jsonResponse(responses: unknown, document: Json): (Json & { type: 'object' }) | null {
  if (!isObject(responses)) return null;
  const key = Object.keys(responses).filter((k) => /^2\d\d$/.test(k)).sort()[0];
  const response = key === undefined ? undefined : responses[key];
  if (!isObject(response) || !isObject(response.content)) return null;
  const media = Object.entries(response.content).find(([type]) => /^application\/([a-z.+-]*\+)?json/i.test(type))?.[1];
  // A top-level $ref is inlined: MCP wants `type: object` at the root of an output schema.
  const schema = resolveRef(isObject(media) ? media.schema : undefined, document);
  return isObject(schema) && schema.type === 'object' ? (schema as Json & { type: 'object' }) : null;
}

function resolveRef(value: unknown, document: Json): unknown {
  if (!isObject(value) || typeof value.$ref !== 'string' || !value.$ref.startsWith('#/')) return value;
  let node: unknown = document;
  for (const part of value.$ref.slice(2).split('/')) node = isObject(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return node;
}

function componentSchemas(document: Json): Json {
  return isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
}

/** A self-contained schema: `#/components/schemas/X` references point into its own `$defs`. */
function withDefs<T extends Json>(schema: T, defs: Json): T {
  const text = JSON.stringify(schema);
  if (!text.includes('#/components/schemas/')) return schema;
  const rewrite = (s: string) => s.replaceAll('"#/components/schemas/', '"#/$defs/');
  return { ...(JSON.parse(rewrite(text)) as T), $defs: JSON.parse(rewrite(JSON.stringify(defs))) as Json };
}
