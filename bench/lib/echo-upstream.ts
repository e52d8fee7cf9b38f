/**
 * @module A local Streamable HTTP MCP server with an `echo` tool, one session per client (as real
 * servers have), for the proxy-overhead bench. Run as its own process so that its CPU is not the
 * bench client's: `npx tsx bench/lib/echo-upstream.ts` prints `echo-upstream <url>` and serves
 * until SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

function echoServer(): McpServer {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns the message unchanged.', inputSchema: { message: z.string() } },
    ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  return server;
}

const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
/** HTTP requests by method since start (`GET /__stats`): what each path costs the upstream. */
const stats: Record<string, number> = {};
const app = new Hono();
app.get('/__stats', (c) => c.json(stats));
app.use('/mcp', async (c, next) => {
  stats[c.req.method] = (stats[c.req.method] ?? 0) + 1;
  await next();
});
app.all('/mcp', async (c) => {
  const id = c.req.header('mcp-session-id');
  const existing = id === undefined ? undefined : sessions.get(id);
  if (existing) return existing.handleRequest(c.req.raw);
  if (id !== undefined)
    return c.json(
      { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null },
      404,
    );
  const body: unknown = c.req.method === 'POST' ? await c.req.json() : undefined;
  if (!isInitializeRequest(body)) {
    return c.json(
      { jsonrpc: '2.0', error: { code: -32000, message: 'initialize first' }, id: null },
      400,
    );
  }
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (sid) => void sessions.set(sid, transport),
    onsessionclosed: (sid) => void sessions.delete(sid),
  });
  await echoServer().connect(transport);
  return transport.handleRequest(c.req.raw, { parsedBody: body });
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  console.log(`echo-upstream http://127.0.0.1:${info.port}/mcp`);
});
process.on('SIGTERM', () => {
  server.close();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  process.exit(0);
});
