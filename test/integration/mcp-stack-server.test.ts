// `portico mcp` on the real engine: the SDK's own Client over stdio against the built CLI in
// a real workspace (status, logs, call, restart, validate, catalog, resources, `down` refused
// without confirm), and over Streamable HTTP with `--http` (admin token required).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspector } from './helpers/inspector.js';
import { bin, cleanup, docker, freePort, makeWorkspace, portico, randomProject } from './helpers/stack.js';

const API_KEY = 'mcp-stack-test-key-0123456789';
const text = (r: any) => r.content.map((c: any) => c.text).join('\n');

describe('portico mcp (real engine)', () => {
  const project = randomProject();
  let dir: string;
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    const file = path.join(dir, 'portico.yaml');
    const manifest = (await readFile(file, 'utf8'))
      .replace(/^gateway:\n/m, `gateway:\n  auth:\n    apiKeys: [{ name: ci, env: MCP_KEY }]\n`)
      .replace(/(      - path: \/api\/beta)\n/, `$1\n        auth: required\n`);
    await writeFile(file, manifest);
    await writeFile(path.join(dir, '.env'), `MCP_KEY=${API_KEY}\n`);
    const up = await portico(dir, ['up', '--json', '--timeout', '180']);
    expect(up.exitCode, up.all).toBe(0);
    const transport = new StdioClientTransport({ command: 'node', args: [bin, 'mcp'], cwd: dir, env: { ...(process.env as Record<string, string>), CI: '1', NO_COLOR: '1' }, stderr: 'pipe' });
    transport.stderr?.on('data', (d) => (stderr += d.toString()));
    client = new Client({ name: 'portico-test', version: '1.0.0' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    await cleanup(dir);
  });

  it('lists the stack tools, each with an input and an output schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['call', 'catalog', 'create_service', 'down', 'logs', 'restart', 'status', 'up', 'validate']);
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
    }
  });

  it('status answers the `portico status --json` document', async () => {
    const r = await client.callTool({ name: 'status', arguments: {} });
    expect(r.isError, text(r)).toBeFalsy();
    const cli = JSON.parse((await portico(dir, ['status', '--json'])).stdout);
    const doc = r.structuredContent as any;
    expect(Object.keys(doc).sort()).toEqual(Object.keys(cli).sort());
    expect(doc.project).toBe(project);
    expect(doc.services.map((s: any) => s.name)).toEqual(['registry', 'alpha', 'beta', 'gateway']);
  });

  it('logs returns one service\'s lines, filtered by grep and since', async () => {
    const all = (await client.callTool({ name: 'logs', arguments: { service: ['alpha'], tail: 50 } })).structuredContent as any;
    expect(all.containers).toEqual([`${project}-alpha-1`, `${project}-alpha-2`]);
    expect(all.lines.length).toBeGreaterThan(0);
    expect(all.lines.every((l: string) => l.startsWith(`${project}-alpha-`))).toBe(true);
    const grep = (await client.callTool({ name: 'logs', arguments: { service: ['alpha'], grep: 'listening|Server', tail: 50 } })).structuredContent as any;
    expect(grep.lines.every((l: string) => /listening|Server/.test(l))).toBe(true);
    const future = (await client.callTool({ name: 'logs', arguments: { service: ['alpha'], since: new Date(Date.now() + 3_600_000).toISOString() } })).structuredContent as any;
    expect(future.lines).toEqual([]);
    const unknown = await client.callTool({ name: 'logs', arguments: { service: ['nope'] } });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/no containers for nope/);
  });

  it('call sends HTTP requests through the gateway, where the route\'s auth applies', async () => {
    const get = (await client.callTool({ name: 'call', arguments: { method: 'GET', path: '/api/alpha/items' } })).structuredContent as any;
    expect(get.status).toBe(200);
    expect(JSON.parse(get.body)).toHaveProperty('items');
    const post = (await client.callTool({ name: 'call', arguments: { method: 'POST', path: '/api/alpha/items', body: { name: 'from-mcp' } } })).structuredContent as any;
    expect(post.status).toBe(201);
    expect(JSON.parse(post.body)).toMatchObject({ name: 'from-mcp' });
    const refused = (await client.callTool({ name: 'call', arguments: { method: 'GET', path: '/api/beta/items' } })).structuredContent as any;
    expect(refused.status).toBe(401);
    const allowed = (await client.callTool({ name: 'call', arguments: { method: 'GET', path: '/api/beta/items', headers: { 'x-api-key': API_KEY } } })).structuredContent as any;
    expect(allowed.status).toBe(200);
  });

  it('validate and catalog answer the CLI documents', async () => {
    expect((await client.callTool({ name: 'validate', arguments: {} })).structuredContent).toMatchObject({ valid: true, problems: [] });
    const catalog = (await client.callTool({ name: 'catalog', arguments: {} })).structuredContent as any;
    expect(catalog.project).toBe(project);
    expect(catalog.services.map((s: any) => s.service).sort()).toEqual(['alpha', 'beta']);
  });

  it('serves portico.yaml, the generated config and the catalog as resources', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'portico://stack/catalog',
      'portico://workspace/.portico/discovery.json',
      'portico://workspace/.portico/gateway.json',
      'portico://workspace/portico.yaml',
    ]);
    const yaml = await client.readResource({ uri: 'portico://workspace/portico.yaml' });
    expect((yaml.contents[0] as any).text).toMatch(new RegExp(`^name: ${project}$`, 'm'));
    const gateway = JSON.parse(((await client.readResource({ uri: 'portico://workspace/.portico/gateway.json' })).contents[0] as any).text);
    expect(gateway.routes.length).toBeGreaterThan(0);
  });

  it('restart replaces a service\'s containers one at a time while requests keep succeeding', async () => {
    const ids = async () => Promise.all([1, 2].map(async (n) => (await docker.getContainer(`${project}-alpha-${n}`).inspect()).Id));
    const before = await ids();
    const gateway = (await client.callTool({ name: 'status', arguments: {} })).structuredContent as any;
    // A bounded load loop through the gateway for as long as the restart runs.
    let done = false;
    const outcomes: number[] = [];
    const load = (async () => {
      for (let i = 0; i < 5000 && !done; i++) outcomes.push(await fetch(`${gateway.gateway.url}/api/alpha/items`).then((res) => res.status, () => 0));
    })();
    const r = await client.callTool({ name: 'restart', arguments: { service: 'alpha' } });
    done = true;
    await load;
    expect(r.isError, text(r)).toBeFalsy();
    const doc = r.structuredContent as any;
    // The `portico restart --json` document (the tool runs that command in-process).
    expect(Object.keys(doc).sort()).toEqual(['changes', 'ok', 'project']);
    expect(doc.project).toBe(project);
    expect(doc.changes.map((c: any) => [c.container, c.action])).toEqual([[`${project}-alpha-1`, 'replaced'], [`${project}-alpha-2`, 'replaced']]);
    // New containers under the same names, and not one failed request meanwhile.
    const after = await ids();
    expect(after.some((id, i) => id === before[i])).toBe(false);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((s) => s !== 200)).toEqual([]);
    // The registry lists the new containers passing (they register under their creation names).
    const status = (await client.callTool({ name: 'status', arguments: {} })).structuredContent as any;
    const alpha = status.services.find((s: any) => s.name === 'alpha');
    expect(alpha.instances.map((i: any) => [i.container, i.registry]), JSON.stringify(alpha)).toEqual([[`${project}-alpha-1`, 'passing'], [`${project}-alpha-2`, 'passing']]);
    expect(alpha.instances.every((i: any) => i.instanceId.startsWith(`${i.container}-`))).toBe(true);
  });

  it('down is refused without confirm: true, and the stack keeps running', async () => {
    for (const args of [{}, { confirm: false }]) {
      const r = await client.callTool({ name: 'down', arguments: args });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/confirm: true/);
    }
    const status = (await client.callTool({ name: 'status', arguments: {} })).structuredContent as any;
    expect(status.services.find((s: any) => s.name === 'gateway').instances[0].state).toBe('running');
  });

  it('an unknown tool and invalid arguments are MCP errors, with no stack trace', async () => {
    const unknown = await client.callTool({ name: 'nope', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/Tool nope not found/);
    const bad = await client.callTool({ name: 'logs', arguments: { tail: 'many' } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/tail/);
    expect(text(bad)).not.toMatch(/\n\s+at /);
  });

  it('writes nothing but protocol messages to stdout (human lines go to stderr)', () => {
    // Any stray stdout line would have broken the client's JSON-RPC parsing above; stderr holds no traces either.
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('create_service scaffolds a service into the workspace (as `portico create --yes`)', async () => {
    const r = await client.callTool({ name: 'create_service', arguments: { name: 'gamma', template: 'node-express', route: '/api/gamma' } });
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ service: 'gamma', template: 'node-express', routes: ['/api/gamma'], dir: path.join(dir, 'services', 'gamma') });
    expect(await readFile(path.join(dir, 'portico.yaml'), 'utf8')).toMatch(/^  gamma:$/m);
    expect((await client.callTool({ name: 'validate', arguments: {} })).structuredContent).toMatchObject({ valid: true });
    const again = await client.callTool({ name: 'create_service', arguments: { name: 'gamma' } });
    expect(again.isError).toBe(true);
  });

  it('the MCP Inspector CLI lists and calls the tools over stdio', async () => {
    const target = ['node', bin, '-C', dir, 'mcp'];
    const listed = await inspector([...target, '--method', 'tools/list']);
    expect(listed.tools.map((t: any) => t.name)).toContain('status');
    const status = await inspector([...target, '--method', 'tools/call', '--tool-name', 'status']);
    expect(status.structuredContent.project).toBe(project);
    const refused = await inspector([...target, '--method', 'tools/call', '--tool-name', 'down']);
    expect(refused.isError).toBe(true);
  });

  it('--http serves the same tools on 127.0.0.1 to a client with the admin token, and 401 without', async () => {
    const port = await freePort();
    const server = execa('node', [bin, 'mcp', '--http', '--port', String(port)], { cwd: dir, reject: false, all: true, env: { CI: '1', NO_COLOR: '1' } });
    try {
      await new Promise<void>((resolve, reject) => {
        server.all!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve());
        void server.then((r) => reject(new Error(`portico mcp --http exited:\n${r.all}`)));
      });
      const url = new URL(`http://127.0.0.1:${port}/mcp`);
      const token = (await readFile(path.join(dir, '.portico', 'state', 'admin-token'), 'utf8')).trim();
      const http = new Client({ name: 'portico-test-http', version: '1.0.0' });
      await http.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      expect((await http.listTools()).tools.length).toBe(9);
      const status = (await http.callTool({ name: 'status', arguments: {} })).structuredContent as any;
      expect(status.project).toBe(project);
      await http.close();
      const anonymous = new Client({ name: 'anonymous', version: '1.0.0' });
      await expect(anonymous.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow(/admin token/);
    } finally {
      server.kill('SIGINT');
      await server;
    }
  });
});
