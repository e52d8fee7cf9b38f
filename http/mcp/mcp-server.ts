/**
 * @module One MCP `Server` per client session (SDK low-level server, capability
 * `tools.listChanged`): `tools/list` from the catalog, `tools/call` through `callTool`.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { listUpstreams } from '../upstreams.js';
import { callTool, type CallDeps } from './call-tool.js';

/** Builds the MCP server of one session. */
export function createMcpServer(deps: CallDeps, version: string): Server {
  const server = new Server(
    { name: 'mcpproxy', version },
    {
      capabilities: { tools: { listChanged: true } },
      instructions:
        'mcpproxy offers the tools of its upstream MCP servers, each named <server>__<tool>.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    deps.catalog.rebuild(listUpstreams(deps.supervisor));
    return { tools: deps.catalog.list() };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    callTool(deps, request.params.name, request.params.arguments, extra.signal),
  );
  return server;
}
