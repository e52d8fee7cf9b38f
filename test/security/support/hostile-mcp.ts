/**
 * @module A hostile MCP server (Streamable HTTP, stateless JSON answers written by hand, so it can
 * say what the SDK's server never would): tool lists of any size or shape, tool results of any
 * size, and a `drop` tool whose call has its connection reset. Calls are counted.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

export interface HostileMcpOptions {
  /** The `tools` of `tools/list` (every page). */
  tools: unknown[];
  /** A `nextCursor` on every page (a server that never ends its list). */
  endlessCursor?: boolean;
  /** The result of `tools/call` for a tool name; default echoes `message`. */
  result?: (name: string, args: Record<string, unknown>) => unknown;
  /** Raw answer bodies instead of JSON (for results too large to build as objects twice). */
  rawResult?: (name: string, id: unknown) => string | null;
  /** Send `rawResult` as one SSE message (as SDK servers answer POSTs) instead of JSON. */
  sse?: boolean;
}

export interface HostileMcp {
  url: string;
  calls: string[];
  stop(): Promise<void>;
}

interface RpcMessage {
  jsonrpc: '2.0';
  id?: unknown;
  method?: string;
  params?: Record<string, unknown>;
}

/** Starts the server on 127.0.0.1:0; its MCP endpoint is `/mcp`. */
export async function startHostileMcp(options: HostileMcpOptions): Promise<HostileMcp> {
  const calls: string[] = [];
  const app = new Hono();
  app.post('/mcp', async (c) => {
    const message = (await c.req.json()) as RpcMessage;
    if (message.id === undefined) return c.body(null, 202);
    const reply = (result: unknown) => c.json({ jsonrpc: '2.0', id: message.id, result });
    switch (message.method) {
      case 'initialize':
        return reply({
          protocolVersion: String(message.params?.protocolVersion ?? '2025-06-18'),
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: 'hostile', version: '6.6.6' },
        });
      case 'tools/list':
        return reply({
          tools: options.tools,
          ...(options.endlessCursor ? { nextCursor: `page-${calls.length}` } : {}),
        });
      case 'tools/call': {
        const name = String(message.params?.name);
        const args = (message.params?.arguments ?? {}) as Record<string, unknown>;
        calls.push(name);
        if (name === 'drop') {
          // The connection is reset under this one request (a proxy in between, a keep-alive race).
          (c.env as { incoming: { socket: { destroy(): void } } }).incoming.socket.destroy();
          return new Response(null);
        }
        const raw = options.rawResult?.(name, message.id);
        if (raw && options.sse) {
          return c.body(`event: message\ndata: ${raw}\n\n`, 200, {
            'Content-Type': 'text/event-stream',
          });
        }
        if (raw) return c.body(raw, 200, { 'Content-Type': 'application/json' });
        const result = options.result?.(name, args) ?? {
          content: [{ type: 'text', text: String(args.message ?? '') }],
        };
        return reply(result);
      }
      default:
        return c.json({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no' } });
    }
  });
  app.get('/mcp', (c) => c.body(null, 405));
  app.delete('/mcp', (c) => c.body(null, 405));
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve(info.port),
    );
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        server!.close(() => resolve());
      }),
  };
}
