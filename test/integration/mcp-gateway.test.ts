// The gateway's MCP endpoint /_portico/mcp on the real engine, with the SDK's own Client over
// Streamable HTTP: the template services' operations as tools with schemas, GET and POST
// calls, a protected tool without and with an API key, who may connect at all, bad input,
// each call counted in the gateway's access log and in its analytics under its consumer, and
// list_changed when a service is added and when a config reload changes the catalog.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspector } from './helpers/inspector.js';
import { cleanup, makeWorkspace, portico, randomProject, upJson } from './helpers/stack.js';

const API_KEY = 'mcp-gateway-test-key-0123456789';
const text = (r: any) => r.content.map((c: any) => c.text).join('\n');

describe('gateway MCP endpoint (real engine)', () => {
  const project = randomProject();
  let dir: string;
  let url: URL;
  let token: string;
  const clients: Client[] = [];

  async function connect(headers: Record<string, string>): Promise<Client> {
    const client = new Client({ name: 'portico-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  /** Tools once the catalog collected both documents. */
  async function settledTools(client: Client, ready: (names: string[]) => boolean) {
    const end = Date.now() + 60_000;
    for (;;) {
      const { tools } = await client.listTools();
      if (ready(tools.map((t) => t.name))) return tools;
      if (Date.now() > end) throw new Error(`tools did not settle: ${tools.map((t) => t.name).join(', ')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    const file = path.join(dir, 'portico.yaml');
    const manifest = (await readFile(file, 'utf8'))
      .replace(/^gateway:\n/m, `gateway:\n  mcp:\n    enabled: true\n  auth:\n    apiKeys: [{ name: agent-ci, env: MCP_KEY }]\n`)
      .replace(/(      - path: \/api\/beta)\n/, `$1\n        auth: required\n`);
    await writeFile(file, manifest);
    await writeFile(path.join(dir, '.env'), `MCP_KEY=${API_KEY}\n`);
    const up = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(up.exitCode, up.all).toBe(0);
    url = new URL('/_portico/mcp', JSON.parse(up.stdout).gateway.url);
    token = (await readFile(path.join(dir, '.portico', 'state', 'admin-token'), 'utf8')).trim();
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await cleanup(dir);
  });

  it('lists the template services\' operations as tools, with input and output schemas', async () => {
    const client = await connect({ authorization: `Bearer ${token}` });
    const tools = await settledTools(client, (n) => n.includes('alpha_listItems') && n.includes('beta_get_items'));
    const by = Object.fromEntries(tools.map((t) => [t.name, t]));
    // alpha (fastify template) has operationIds; beta (express) has none: names from method + path.
    for (const name of ['alpha_listItems', 'alpha_createItem', 'alpha_getItem', 'alpha_deleteItem', 'beta_get_items', 'beta_post_items', 'beta_get_items_id', 'beta_delete_items_id']) {
      expect(by[name], name).toBeDefined();
      expect(by[name]!.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    }
    expect(by.beta_get_items!.description).toMatch(/^List items/);
    expect(by.beta_get_items!.description).toContain('GET /api/beta/items');
    expect(by.beta_get_items!.description).toMatch(/needs a credential/);
    expect(by.beta_get_items!.outputSchema).toMatchObject({ type: 'object', properties: { items: { type: 'array' } } });
    expect(by.beta_post_items!.inputSchema).toMatchObject({ type: 'object', required: ['body'], properties: { body: { type: 'object', required: ['name'] } } });
    expect(by.beta_get_items_id!.inputSchema).toMatchObject({ required: ['id'], properties: { id: { type: 'string' } } });
    expect(by.alpha_getItem!.inputSchema).toMatchObject({ required: ['id'] });
    expect(by.alpha_createItem!.inputSchema).toMatchObject({ properties: { body: { type: 'object' } } });
  });

  it('calls a GET and a POST tool through the gateway, with structured content', async () => {
    const client = await connect({ authorization: `Bearer ${token}` });
    const created = await client.callTool({ name: 'alpha_createItem', arguments: { body: { name: 'from-mcp' } } });
    expect(created.isError, text(created)).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ name: 'from-mcp' });
    // alpha runs 2 replicas, each with its own in-memory items: read one back on beta (1 replica, behind the key).
    const agent = await connect({ 'x-api-key': API_KEY });
    const posted = await agent.callTool({ name: 'beta_post_items', arguments: { body: { name: 'on-beta' } } });
    expect(posted.isError, text(posted)).toBeFalsy();
    const id = (posted.structuredContent as any).id;
    const one = await agent.callTool({ name: 'beta_get_items_id', arguments: { id } });
    expect(one.isError, text(one)).toBeFalsy();
    expect(one.structuredContent).toMatchObject({ id, name: 'on-beta' });
    const list = await client.callTool({ name: 'alpha_listItems', arguments: {} });
    expect(list.isError, text(list)).toBeFalsy();
    expect((list.structuredContent as any).items.length).toBeGreaterThanOrEqual(0);
  });

  it('a protected tool fails clearly without a key and works with one', async () => {
    const admin = await connect({ authorization: `Bearer ${token}` });
    const refused = await admin.callTool({ name: 'beta_get_items', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^HTTP 401 from GET \/api\/beta\/items/);
    expect(text(refused)).toMatch(/x-api-key/);
    const agent = await connect({ 'x-api-key': API_KEY });
    const allowed = await agent.callTool({ name: 'beta_get_items', arguments: {} });
    expect(allowed.isError, text(allowed)).toBeFalsy();
    expect(allowed.structuredContent).toHaveProperty('items');
  });

  it('admits only the admin token or a credential the stack accepts', async () => {
    await expect(connect({})).rejects.toThrow(/needs a credential/);
    await expect(connect({ 'x-api-key': 'not-a-key' })).rejects.toThrow(/invalid API key/);
    await expect(connect({ authorization: 'Bearer not-the-token' })).rejects.toThrow(/bearer tokens are not accepted|unauthorized|credential/);
    const raw = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(raw.status).toBe(401);
    expect(JSON.stringify(await raw.json())).not.toMatch(/alpha|beta/);
  });

  it('bad input: unknown tool, invalid arguments and an upstream 404 are MCP errors without stack traces', async () => {
    const client = await connect({ authorization: `Bearer ${token}` });
    await expect(client.callTool({ name: 'alpha_nope', arguments: {} })).rejects.toThrow(/unknown tool "alpha_nope"/);
    const invalid = await client.callTool({ name: 'alpha_createItem', arguments: {} });
    expect(invalid.isError).toBe(true);
    expect(text(invalid)).toMatch(/invalid arguments for alpha_createItem: .*body/);
    const missing = await client.callTool({ name: 'alpha_getItem', arguments: { id: 'no-such-item' } });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^HTTP 404 from GET \/api\/alpha\/items\/no-such-item: /);
    for (const r of [invalid, missing]) expect(text(r)).not.toMatch(/\n\s+at /);
  });

  it('serves the merged OpenAPI document and each service\'s as resources', async () => {
    const client = await connect({ 'x-api-key': API_KEY });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(['portico://catalog/alpha/openapi.json', 'portico://catalog/beta/openapi.json', 'portico://openapi.json']);
    const merged = JSON.parse(((await client.readResource({ uri: 'portico://openapi.json' })).contents[0] as any).text);
    expect(Object.keys(merged.paths)).toEqual(expect.arrayContaining(['/api/alpha/items', '/api/beta/items']));
  });

  it('each call went through the route\'s pipeline once, logged under its consumer', async () => {
    const agent = await connect({ 'x-api-key': API_KEY });
    const marker = `mcp-${Date.now()}`;
    const r = await agent.callTool({ name: 'beta_get_items_id', arguments: { id: marker } });
    expect(text(r)).toMatch(/^HTTP 404/);
    const logs = await portico(dir, ['logs', 'gateway', '--tail', '400']);
    const lines = logs.stdout.split('\n').filter((l) => l.includes(marker)).map((l) => JSON.parse(l.slice(l.indexOf('{'))));
    expect(lines).toHaveLength(1); // one upstream request per tool call, never retried
    expect(lines[0]).toMatchObject({ method: 'GET', url: `/api/beta/items/${marker}`, route: 'beta#0', status: 404, consumer: 'agent-ci', ip: '127.0.0.1' });
  });

  it('analytics counts the tool calls per consumer: the key\'s name for the agent, anonymous without one', async () => {
    const consumers = async () => {
      const r = await portico(dir, ['analytics', '--by', 'consumer', '--window', '15m', '--json']);
      expect(r.exitCode, r.all).toBe(0);
      const doc = JSON.parse(r.stdout);
      return (name: string) => doc.groups.find((g: any) => g.key === name)?.requests ?? 0;
    };
    const before = await consumers();
    const agent = await connect({ 'x-api-key': API_KEY });
    const admin = await connect({ authorization: `Bearer ${token}` });
    for (let i = 0; i < 3; i++) expect((await agent.callTool({ name: 'beta_get_items', arguments: {} })).isError).toBeFalsy();
    for (let i = 0; i < 2; i++) expect((await admin.callTool({ name: 'alpha_listItems', arguments: {} })).isError).toBeFalsy();
    // Analytics records in the log phase, after the answer: poll briefly until the counts land.
    const end = Date.now() + 10_000;
    let after = await consumers();
    while ((after('agent-ci') < before('agent-ci') + 3 || after('anonymous') < before('anonymous') + 2) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      after = await consumers();
    }
    expect(after('agent-ci') - before('agent-ci')).toBe(3);
    // The admin token opens the MCP endpoint but is not a consumer credential: its calls are anonymous.
    expect(after('anonymous') - before('anonymous')).toBe(2);
  });

  it('the MCP Inspector CLI lists and calls the tools over Streamable HTTP', async () => {
    const target = [url.href, '--transport', 'http', '--header', `x-api-key: ${API_KEY}`];
    const listed = await inspector([...target, '--method', 'tools/list']);
    expect(listed.tools.map((t: any) => t.name)).toEqual(expect.arrayContaining(['alpha_listItems', 'beta_get_items']));
    const called = await inspector([...target, '--method', 'tools/call', '--tool-name', 'beta_get_items']);
    expect(called.isError).toBeFalsy();
    expect(called.structuredContent).toHaveProperty('items');
  });

  it('sends tools/list_changed when a service is added, and its operations become tools', async () => {
    const client = await connect({ authorization: `Bearer ${token}` });
    await settledTools(client, (n) => n.includes('beta_get_items'));
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    const create = await portico(dir, ['create', 'gamma', '-t', 'node-express', '-r', '/api/gamma', '-y']);
    expect(create.exitCode, create.all).toBe(0);
    await upJson(dir, 180);
    await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error('no tools/list_changed within 60 s')), 60_000))]);
    const tools = await settledTools(client, (n) => n.some((t) => t.startsWith('gamma_')));
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['alpha_listItems', 'beta_get_items', 'gamma_get_items']));
    const called = await client.callTool({ name: 'gamma_get_items', arguments: {} });
    expect(called.isError, text(called)).toBeFalsy();
  });

  it('sends tools/list_changed when a reload changes the catalog', async () => {
    const client = await connect({ authorization: `Bearer ${token}` });
    await settledTools(client, (n) => n.includes('beta_get_items'));
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    const file = path.join(dir, 'portico.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('    enabled: true\n', '    enabled: true\n    exclude: [beta]\n'));
    const generate = await portico(dir, ['generate']);
    expect(generate.exitCode, generate.all).toBe(0);
    await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error('no tools/list_changed within 30 s')), 30_000))]);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha_listItems');
    expect(names.some((n) => n.startsWith('beta_'))).toBe(false);
  });
});
