// Assembles the published documents (pure): one per service (/_portico/catalog/<service>/openapi.json)
// and the merged one (/_portico/openapi.json). In the merged document every service's
// components are renamed `<service>.<name>` and its operationIds `<service>_<id>`, so two
// services may both define `Item` or `listItems`; operations are tagged with the service.
import { createHash } from 'node:crypto';
import type { GatewayRoute } from '../../../contract/index.js';
import { OPERATION_METHODS, isObject, publicOperations, securitySchemesFor, type OpenApiDocument, type PublicOperation, type PublishContext } from './public-document.js';

type Json = Record<string, unknown>;

export interface AssembledDocument {
  document: OpenApiDocument;
  operations: number;
  /** Operations left out because another route already publishes the same method and path. */
  conflicts: string[];
}

export interface PublishedService {
  service: string;
  description: string | null;
  /** Validated source document. */
  document: OpenApiDocument;
  routes: readonly GatewayRoute[];
}

/** The document of one service as the gateway serves it. */
export function serviceDocument(entry: PublishedService, ctx: PublishContext): AssembledDocument {
  const source = entry.document;
  const operations = publicOperations(source, entry.routes, ctx);
  const conflicts: string[] = [];
  const paths = placeOperations(operations, new Set(), conflicts, (op) => op);
  const components: Json = isObject(source.components) ? { ...source.components } : {};
  components.securitySchemes = { ...(isObject(components.securitySchemes) ? components.securitySchemes : {}), ...securitySchemesFor(operations, ctx.auth) };
  const document: OpenApiDocument = {
    ...pick(source, ['openapi', 'jsonSchemaDialect', 'tags', 'externalDocs']),
    openapi: source.openapi,
    info: { ...(source.info ?? {}), 'x-portico-service': entry.service },
    servers: [{ url: ctx.serverUrl, description: 'the Portico gateway' }],
    paths,
    components,
  };
  return { document, operations: operations.length, conflicts };
}

/** All services in one document, for client generators. */
export function mergedDocument(project: string, entries: readonly PublishedService[], ctx: PublishContext): AssembledDocument {
  const usedIds = new Set<string>();
  const conflicts: string[] = [];
  const paths: Json = {};
  const components: Record<string, Json> = {};
  const all: PublicOperation[] = [];
  for (const entry of entries) {
    const renamed = renameComponents(entry.document, entry.service);
    for (const [kind, group] of Object.entries(isObject(renamed.components) ? renamed.components : {})) {
      if (isObject(group)) components[kind] = { ...components[kind], ...group };
    }
    const operations = publicOperations(renamed, entry.routes, ctx);
    all.push(...operations);
    const servicePaths = placeOperations(operations, usedIds, conflicts, (op) => ({
      ...op,
      tags: [entry.service],
      ...(typeof op.operationId === 'string' ? { operationId: `${entry.service}_${op.operationId}` } : {}),
    }));
    for (const [path, item] of Object.entries(servicePaths)) mergePathItem(paths, path, item as Json, entry.service, conflicts);
  }
  components.securitySchemes = { ...components.securitySchemes, ...securitySchemesFor(all, ctx.auth) };
  const count = Object.values(paths).reduce<number>((n, item) => n + Object.keys(item as Json).filter(isMethodKey).length, 0);
  const document: OpenApiDocument = {
    // 3.0 schemas are (nearly all) valid 3.1: one 3.1 service makes the whole document 3.1.
    openapi: entries.some((e) => e.document.openapi.startsWith('3.1')) ? '3.1.0' : '3.0.3',
    info: {
      title: `${project} API`,
      description: `Every service of the ${project} stack, as the Portico gateway serves it.`,
      // Changes exactly when the published API does, so generated clients know to regenerate.
      version: createHash('sha256').update(JSON.stringify({ paths, components })).digest('hex').slice(0, 12),
    },
    servers: [{ url: ctx.serverUrl, description: 'the Portico gateway' }],
    tags: entries.map((e) => ({ name: e.service, ...(e.description ? { description: e.description } : {}) })),
    paths,
    components,
  };
  return { document, operations: count, conflicts };
}

/**
 * Operations into path items. The same method and path published twice (two routes reaching
 * it, e.g. on different hosts) keeps the first and records a conflict; repeated operationIds
 * get a `_2`, `_3` suffix (they must be unique in a document).
 */
function placeOperations(operations: readonly PublicOperation[], usedIds: Set<string>, conflicts: string[], shape: (op: Json) => Json): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= { ...op.pathItem });
    if (item[op.method] !== undefined) {
      conflicts.push(`${op.method.toUpperCase()} ${op.path}: route ${op.route.id} also reaches it; the catalog lists ${String((item[op.method] as Json)['x-portico-route'])}`);
      continue;
    }
    const shaped = shape(op.operation);
    if (typeof shaped.operationId === 'string') shaped.operationId = uniqueId(shaped.operationId, usedIds);
    item[op.method] = shaped;
  }
  return paths;
}

function mergePathItem(paths: Json, path: string, item: Json, service: string, conflicts: string[]): void {
  const existing = paths[path] as Json | undefined;
  if (existing === undefined) {
    paths[path] = item;
    return;
  }
  for (const [key, value] of Object.entries(item)) {
    if (!isMethodKey(key)) continue;
    if (existing[key] !== undefined) conflicts.push(`${key.toUpperCase()} ${path}: served by ${service} and another service; the catalog lists the first`);
    else existing[key] = value;
  }
}

function uniqueId(id: string, used: Set<string>): string {
  let candidate = id;
  for (let n = 2; used.has(candidate); n++) candidate = `${id}_${n}`;
  used.add(candidate);
  return candidate;
}

const isMethodKey = (key: string) => (OPERATION_METHODS as readonly string[]).includes(key);

/** A copy of the document with its components renamed `<service>.<name>` and every local reference to them rewritten. */
export function renameComponents(document: OpenApiDocument, service: string): OpenApiDocument {
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.startsWith('#/components/') ? value.replace(/^#\/components\/([^/]+)\/(.+)$/, `#/components/$1/${service}.$2`) : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isObject(value)) return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v);
    return out;
  };
  const renamed = rewrite(document) as OpenApiDocument;
  if (isObject(document.components)) {
    const components: Json = {};
    for (const [kind, group] of Object.entries(renamed.components as Json)) {
      components[kind] = isObject(group) ? Object.fromEntries(Object.entries(group).map(([name, v]) => [`${service}.${name}`, v])) : group;
    }
    renamed.components = components;
  }
  return renamed;
}

function pick(source: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}
