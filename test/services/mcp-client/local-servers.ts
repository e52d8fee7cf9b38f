/**
 * @module Local MCP servers for the client tests, on ephemeral 127.0.0.1 ports: an SSE-only one
 * (the SDK's `SSEServerTransport` on node:http, as pre-2025 servers are) and a Streamable HTTP one
 * (one stateful session, Hono + `WebStandardStreamableHTTPServerTransport`) whose tools can change.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { z } from 'zod';

/** A running local server. */
export interface LocalServer {
  url: string;
  /** The MCP server behind the (latest) session. */
  mcp(): McpServer;
  stop(): Promise<void>;
}

function echoServer(): McpServer {
  const server = new McpServer({ name: 'local', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes.', inputSchema: { message: z.string() } },
    ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  return server;
}

/** An SSE-only server: `GET /sse` opens a session, `POST /messages` feeds it; POST /sse is 405. */
export async function startSseServer(): Promise<LocalServer> {
  const transports = new Map<string, SSEServerTransport>();
  let latest: McpServer | undefined;
  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      latest = echoServer();
      await latest.connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && url.pathname === '/messages' && transport) {
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(url.pathname === '/sse' ? 405 : 404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sse`,
    mcp: () => latest!,
    stop: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** A Streamable HTTP server with one stateful session at `/mcp`. */
export async function startStreamableServer(): Promise<LocalServer> {
  const mcp = echoServer();
  const { url, stop } = await serveMcp(mcp);
  return { url, mcp: () => mcp, stop };
}

/**
 * Serves `server` (an SDK `McpServer` or low-level `Server`) over Streamable HTTP at `/mcp`
 * with one stateful session; `stop()` closes it and the listener.
 */
export async function serveMcp(mcp: {
  connect(transport: WebStandardStreamableHTTPServerTransport): Promise<void>;
  close(): Promise<void>;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
  });
  await mcp.connect(transport);
  const app = new Hono();
  app.all('/mcp', (c) => transport.handleRequest(c.req.raw));
  let http: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    http = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(info.port),
    );
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: async () => {
      await mcp.close();
      await new Promise<void>((resolve) => {
        (http as unknown as { closeAllConnections(): void }).closeAllConnections();
        http!.close(() => resolve());
      });
    },
  };
}
