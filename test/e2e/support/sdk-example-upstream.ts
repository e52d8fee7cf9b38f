/**
 * @module A Streamable HTTP MCP server written the way the MCP TypeScript SDK's example is (and
 * many real servers are): a map of transports by session id, 400 "No valid session ID provided"
 * to a POST and 400 "Invalid or missing session ID" to a GET whose session the map does not hold.
 * `restart()` forgets every session as a process restart would, keeping the port.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface SdkExampleUpstream {
  url: string;
  /** `initialize` requests answered so far (one per session the proxy started). */
  initializeCount(): number;
  /** Forgets every session and ends their streams, as a process restart would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function echoServer(): McpServer {
  const server = new McpServer({ name: 'sdk-example', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes.', inputSchema: { message: z.string() } },
    ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

export interface SdkExampleOptions {
  /**
   * Answer every GET with 404 after this many ms, as a server whose router only knows POST /mcp
   * does (late enough for the proxy to have finished connecting).
   */
  getNotFoundAfterMs?: number;
}

export async function startSdkExampleUpstream(
  options: SdkExampleOptions = {},
): Promise<SdkExampleUpstream> {
  let transports = new Map<string, StreamableHTTPServerTransport>();
  let initializations = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = req.headers['mcp-session-id'] as string | undefined;
    const known = sessionId !== undefined ? transports.get(sessionId) : undefined;
    if (req.method === 'POST') {
      const body = await readJson(req);
      if (known) return known.handleRequest(req, res, body);
      if (sessionId === undefined && isInitializeRequest(body)) {
        initializations += 1;
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void transports.set(id, transport),
        });
        await echoServer().connect(transport);
        return transport.handleRequest(req, res, body);
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
          id: null,
        }),
      );
      return;
    }
    if (options.getNotFoundAfterMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, options.getNotFoundAfterMs));
      res.writeHead(404).end('Not Found');
      return;
    }
    if (!known) {
      res.writeHead(400).end('Invalid or missing session ID');
      return;
    }
    return known.handleRequest(req, res);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const closeAll = async () => {
    const old = transports;
    transports = new Map();
    await Promise.all([...old.values()].map((t) => t.close()));
  };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    initializeCount: () => initializations,
    async restart() {
      await closeAll();
      http.closeAllConnections();
    },
    async stop() {
      await closeAll();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
