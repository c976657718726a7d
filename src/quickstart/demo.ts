// The demo workspace `portico quickstart` builds, as data and pure text edits: which
// services, which routes, which one is protected, and what to print once it runs.
// No fs, no Docker: the command (cli/commands/quickstart.ts) applies these.
import { isMap, isSeq, parseDocument } from 'yaml';
import { shellQuote } from '../core/shell-quote.js';

export interface DemoService {
  name: string;
  template: string;
  route: string;
  /** Protected by the demo API key (`auth: required` on its route). */
  protected: boolean;
}

export const DEMO_SERVICES: readonly DemoService[] = [
  { name: 'catalog', template: 'node-fastify', route: '/api/catalog', protected: false },
  { name: 'orders', template: 'node-express', route: '/api/orders', protected: true },
];

/** The templates' example resource: the route prefix is stripped, so /api/orders/items -> /items. */
export const EXAMPLE_RESOURCE = '/items';
export const API_KEY_NAME = 'demo';
export const API_KEY_HEADER = 'x-api-key';
export const DEFAULT_GATEWAY_PORT = 8080;

/** First comment line of a quickstart manifest: how a re-run recognises its own workspace. */
export const QUICKSTART_MARKER = '# Demo workspace created by `portico quickstart`: safe to delete with its folder.';

export function isQuickstartManifest(text: string): boolean {
  return text.split('\n').some((line) => line.trim() === QUICKSTART_MARKER);
}

/** Adds the marker after the editor-schema line (which must stay first). Idempotent. */
export function markManifest(text: string): string {
  if (isQuickstartManifest(text)) return text;
  const lines = text.split('\n');
  const at = lines[0]?.startsWith('# yaml-language-server:') ? 1 : 0;
  lines.splice(at, 0, QUICKSTART_MARKER);
  return lines.join('\n');
}

export interface DemoSettings {
  port: number;
  /** Env var holding the demo API key (its value lives in .env only). */
  keyEnv: string;
}

/**
 * The manifest with the demo's gateway port, API key (by env var name) and protected routes,
 * edited on the YAML document so comments and order survive. Idempotent: applied twice, the
 * text is unchanged.
 */
export function applyDemoSettings(text: string, settings: DemoSettings): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0];
  let changed = false;
  const set = (path: (string | number)[], value: unknown) => {
    doc.setIn(path, value);
    changed = true;
  };

  if (doc.getIn(['gateway', 'port']) !== settings.port) set(['gateway', 'port'], settings.port);

  const keys = doc.getIn(['gateway', 'auth', 'apiKeys'], true);
  const key = doc.createNode({ name: API_KEY_NAME, env: settings.keyEnv }, { flow: true });
  if (isSeq(keys)) {
    const present = keys.items.some((k) => isMap(k) && k.get('env') === settings.keyEnv);
    if (!present) {
      keys.add(key);
      changed = true;
    }
  } else {
    set(['gateway', 'auth', 'apiKeys'], doc.createNode([key], { flow: true }));
  }

  for (const service of DEMO_SERVICES.filter((s) => s.protected)) {
    const routes = doc.getIn(['services', service.name, 'routes'], true);
    if (!isSeq(routes)) continue;
    routes.items.forEach((route, i) => {
      if (isMap(route) && route.get('path') === service.route && route.get('auth') !== 'required') {
        set(['services', service.name, 'routes', i, 'auth'], 'required');
      }
    });
  }
  return changed ? doc.toString({ lineWidth: 0 }) : text;
}

/** `FOO=bar` value of `name` in .env text (quotes removed), if set. */
export function readEnvValue(envText: string, name: string): string | undefined {
  for (const raw of envText.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (m && m[1] === name) return m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return undefined;
}

/** .env text with `name=value` added at the end when `name` is not set yet (existing lines untouched). */
export function withEnvValue(envText: string, name: string, value: string, comment: string): string {
  if (readEnvValue(envText, name) !== undefined) return envText;
  const sep = envText === '' || envText.endsWith('\n') ? '' : '\n';
  return `${envText}${sep}# ${comment}\n${name}=${value}\n`;
}

/** The env var the demo key lives in: <PREFIX>_API_KEY, the name the workspace template suggests. */
export function apiKeyEnvName(envPrefix: string): string {
  return `${envPrefix}_API_KEY`;
}

export interface RouteExample {
  service: string;
  template: string;
  url: string;
  /** Ready-to-paste command. */
  curl: string;
  protected: boolean;
}

/** Host the printed URLs use: a wildcard bind is still reached on the loopback address. */
export function gatewayUrl(bind: string, port: number): string {
  const host = bind === '0.0.0.0' || bind === '::' || bind === '' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${port}`;
}

export function routeExamples(baseUrl: string, apiKey: string): RouteExample[] {
  return DEMO_SERVICES.map((s) => {
    const url = `${baseUrl}${s.route}${EXAMPLE_RESOURCE}`;
    const curl = s.protected ? `curl -H "${API_KEY_HEADER}: ${apiKey}" ${url}` : `curl ${url}`;
    return { service: s.name, template: s.template, url, curl, protected: s.protected };
  });
}

/** The closing message: where the gateway is, one command per route, how to stop. */
/**
 * The closing message. `portalLogin`: the developer portal's login link (it carries the stack's
 * admin token in its fragment), known once the stack runs.
 */
export function summary(opts: { url: string; examples: RouteExample[]; dirForHumans: string; keyEnv: string; running: boolean; portalLogin?: string }): string {
  const cd = opts.dirForHumans === '.' ? '' : `cd ${shellQuote(opts.dirForHumans)} && `;
  const lines = [
    opts.running ? `Portico demo is running. Gateway: ${opts.url}` : `Portico demo workspace is ready (not started). Gateway will be: ${opts.url}`,
    '',
  ];
  if (!opts.running) lines.push(`Start it:  ${cd}portico up`, '');
  lines.push('Try the routes:');
  for (const e of opts.examples) {
    lines.push(`  # ${e.service} (${e.template})${e.protected ? `: needs the API key (${opts.keyEnv} in .env); without it the gateway answers 401` : ''}`);
    lines.push(`  ${e.curl}`);
  }
  lines.push('');
  if (opts.portalLogin !== undefined) lines.push(`Portal:    ${opts.portalLogin}`, `           (the developer portal: health, API reference with "try it", analytics, routes; again: ${cd}portico dashboard)`);
  else lines.push(`Portal:    ${cd}portico dashboard    (the developer portal, once the stack runs)`);
  lines.push(`APIs:      ${cd}portico catalog    (the merged OpenAPI document: portico openapi -o openapi.json)`);
  lines.push(`See it:    ${cd}portico status    (and: portico logs -f)`);
  lines.push(`Stop it:   ${cd}portico down`);
  return lines.join('\n') + '\n';
}

