// `portico mcp --http`: the same server over Streamable HTTP on 127.0.0.1, for clients that
// do not spawn processes. Every request must carry the stack's admin token
// (`Authorization: Bearer <.portico/state/admin-token>`): anyone who can reach the port could
// otherwise start, stop and call the stack. Stateless (a fresh server per request, the SDK's
// documented pattern): the tools keep no per-session state.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export const MCP_HTTP_PATH = '/mcp';

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function serveHttp(makeServer: () => McpServer, options: { port: number; token: string; log: (line: string) => void }): Promise<{ server: Server; url: string }> {
  const http = createServer((req, res) => {
    const answer = (status: number, message: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== MCP_HTTP_PATH) return answer(404, `the MCP endpoint is ${MCP_HTTP_PATH}`);
    if (!bearerMatches(req, options.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="portico"');
      return answer(401, "send the workspace's admin token: Authorization: Bearer <contents of .portico/state/admin-token>");
    }
    const mcp = makeServer();
    // The SDK's own DNS-rebinding check: only Host headers naming this loopback listener.
    const { port } = http.address() as AddressInfo;
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableDnsRebindingProtection: true, allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`] });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((error: unknown) => {
        options.log(`mcp: ${(error as Error).message}`);
        if (!res.headersSent) answer(500, 'internal error');
      });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return { server: http, url: `http://127.0.0.1:${port}${MCP_HTTP_PATH}` };
}
