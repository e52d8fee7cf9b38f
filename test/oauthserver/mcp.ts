/**
 * @module The OAuth-protected MCP endpoint `/mcp` (Streamable HTTP, stateful sessions): bearer
 * check on every request, scope step-up answer (403 insufficient_scope), and the session table.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { bearerChallenge, requireBearer } from './bearer.js';
import type { McpEnv } from './bearer.js';
import type { ServerContext } from './context.js';
import { createToolServer, missingScopes } from './tools.js';

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
}

/** Open MCP sessions by id, plus those still initializing. */
export class McpSessions {
  private readonly byId = new Map<string, Session>();
  private readonly open = new Set<Session>();

  get(id: string): WebStandardStreamableHTTPServerTransport | undefined {
    return this.byId.get(id)?.transport;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Creates a session whose id is assigned when its initialize request is handled. */
  async create(): Promise<WebStandardStreamableHTTPServerTransport> {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void this.byId.set(id, session),
      onsessionclosed: (id) => void this.byId.delete(id),
    });
    const session: Session = { server: createToolServer(), transport };
    transport.onclose = () => {
      this.open.delete(session);
      if (transport.sessionId) this.byId.delete(transport.sessionId);
    };
    this.open.add(session);
    await session.server.connect(transport);
    return transport;
  }

  /** Closes every session (their clients then get 404 and must initialize again). */
  async closeAll(): Promise<number> {
    const sessions = [...this.open];
    this.open.clear();
    this.byId.clear();
    await Promise.allSettled(sessions.map((s) => s.server.close()));
    return sessions.length;
  }
}

function rpcError(status: 400 | 404, code: number, message: string): Response {
  const body = { jsonrpc: '2.0', error: { code, message }, id: null };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function rpcMethods(body: unknown): string | undefined {
  const messages = Array.isArray(body) ? body : [body];
  const methods = messages
    .map((m) => (m as { method?: unknown } | null)?.method)
    .filter((m): m is string => typeof m === 'string');
  return methods.length > 0 ? methods.join(',') : undefined;
}

/** `/mcp`: every method, behind the bearer check. */
export function mcpRoutes(ctx: ServerContext, sessions: McpSessions): Hono<McpEnv> {
  const app = new Hono<McpEnv>();
  app.all('/mcp', requireBearer(ctx), async (c) => {
    const auth = c.var.auth;
    let body: unknown;
    if (c.req.method === 'POST') {
      try {
        body = await c.req.json();
      } catch {
        return rpcError(400, -32700, 'Parse error: body is not JSON');
      }
      c.var.logEntry.mcp_method = rpcMethods(body);
      const missing = missingScopes(body, auth.scopes);
      if (missing.length > 0) {
        const scope = missing.join(' ');
        const description = `this call needs scope ${scope}`;
        c.var.logEntry.error = 'insufficient_scope';
        c.header('WWW-Authenticate', bearerChallenge(ctx, { error: 'insufficient_scope', scope }));
        return c.json({ error: 'insufficient_scope', error_description: description }, 403);
      }
    }
    const sessionId = c.req.header('mcp-session-id');
    let transport = sessionId !== undefined ? sessions.get(sessionId) : undefined;
    if (sessionId !== undefined && !transport) return rpcError(404, -32001, 'Session not found');
    if (!transport) {
      if (!isInitializeRequest(body)) {
        return rpcError(400, -32000, 'Bad Request: no valid session id provided');
      }
      transport = await sessions.create();
    }
    return transport.handleRequest(c.req.raw, { authInfo: auth, parsedBody: body });
  });
  return app;
}
