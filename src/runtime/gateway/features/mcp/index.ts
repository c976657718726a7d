// The MCP endpoint /_portico/mcp (docs/mcp.md): every operation in the catalog as an MCP tool
// for AI agents, each call an HTTP request through the route's own pipeline. Off unless
// gateway.json has an `mcp` block (manifest gateway.mcp.enabled). The SDK and its validator
// load only then, from their own file (scripts/build.mjs: gateway-mcp.mjs). The catalog's
// documents are read through the catalog instance's `view` (ctx.feature), never fetched twice.
// Sessions live in one McpEndpoint carried over reloads, so agents stay connected.
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';
import type { CatalogInstance } from '../catalog/index.js';
import type { Feature, FeatureInstance } from '../types.js';
import { mcpAccess } from './access.js';
import type { McpEndpoint } from './server.js';

export const MCP_PATH = '/_portico/mcp';

// Where the endpoint's module is: scripts/build.mjs defines this as its own file next to
// gateway.mjs. Not a literal import, so a bundler without that define (a test's one-file
// build) leaves it alone instead of inlining the SDK: inlined, its zod and the contract's
// zod end up in an initialisation order that breaks the bundle at load.
declare const __PORTICO_MCP_MODULE__: string | undefined;
const SERVER_MODULE = typeof __PORTICO_MCP_MODULE__ === 'string' ? __PORTICO_MCP_MODULE__ : './server.js';
const loadServer = (): Promise<typeof import('./server.js')> => import(SERVER_MODULE);

export interface McpInstance extends FeatureInstance {
  readonly endpoint: McpEndpoint;
  /** The next config's instance took the endpoint (and its sessions) over. */
  handOver(): void;
}

export const mcp: Feature<McpInstance> = {
  name: 'mcp',
  slice: { gateway: ['mcp'], route: ['mcp'] },
  priority: 0,
  async configure(config, ctx, previous) {
    if (config.mcp === undefined) return null;
    const catalog = ctx.feature?.('catalog') as CatalogInstance | undefined;
    if (catalog === undefined) throw new Error('the mcp feature needs the catalog feature, configured before it');
    const options = { catalog: catalog.view, logger: ctx.logger, ...(await mcpAccess(config, ctx.env, ctx.logger)) };
    let endpoint = previous?.endpoint;
    if (endpoint === undefined) endpoint = new (await loadServer()).McpEndpoint(options);
    endpoint.configure(config, options);
    previous?.handOver();
    let handedOver = false;
    const serving = endpoint;
    return {
      endpoint: serving,
      handOver: () => void (handedOver = true),
      // Public to the core: access.ts admits the admin token or a credential the stack accepts.
      endpoints: [{ path: MCP_PATH, access: 'public', handle: (req: HttpRequest, res: HttpResponse) => serving.handle(req, res) }],
      close(final) {
        // As the catalog's collector: a reload that fails after this instance was built keeps
        // the previous one, which still serves the sessions: only the gateway's stop or the
        // instance that created the endpoint, never handed over, closes it.
        if (final || (previous === undefined && !handedOver)) serving.close();
      },
    };
  },
};
