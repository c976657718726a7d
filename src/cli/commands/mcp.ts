// `portico mcp [--http] [--port n]`: the workspace's stack as an MCP server (src/cli/mcp/).
// On stdio stdout carries protocol messages only; everything human goes to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { usageError } from '../../core/errors.js';
import { adminToken, findProject } from '../../engine/workspace.js';
import type { CommandContext } from '../context.js';
import { serveHttp } from '../mcp/serve-http.js';
import { createStackServer } from '../mcp/stack-server.js';
import type { ToolEnv } from '../mcp/run-command.js';

export interface McpOptions {
  http?: boolean;
  port?: string;
}

export const DEFAULT_MCP_HTTP_PORT = 7412;

export async function run(options: McpOptions, ctx: CommandContext): Promise<number> {
  const te: ToolEnv = { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal, log: (text) => ctx.stderr.write(text) };
  if (!options.http) {
    if (options.port !== undefined) throw usageError('--port needs --http.', 'On stdio there is no port: `portico mcp --http --port 7412`.');
    const server = createStackServer(te);
    // Runs until the client closes our stdin (the SDK's transport does not watch for that) or Ctrl-C.
    const closed = new Promise<void>((resolve) => {
      ctx.stdin.once('end', resolve);
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.connect(new StdioServerTransport());
    await closed;
    await server.close();
    return 0;
  }
  const port = Number(options.port ?? DEFAULT_MCP_HTTP_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be a port number, got "${options.port}".`);
  const { workspaceDir } = await findProject(ctx.cwd);
  const token = await adminToken(workspaceDir);
  const { server, url } = await serveHttp(() => createStackServer(te), { port, token, log: (line) => ctx.stderr.write(`${line}\n`) });
  ctx.stderr.write(`portico mcp: serving ${url} (Authorization: Bearer <.portico/state/admin-token>); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return 0;
}
