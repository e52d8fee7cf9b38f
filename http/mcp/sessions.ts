/**
 * @module The MCP sessions of `/mcp`: one Streamable HTTP transport + server per session, keyed
 * by `mcp-session-id`, removed when the session closes (DELETE, transport close, app close), and
 * the tool calls the direct path runs for it (aborted when it closes, as the SDK server's are).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../services/logger/index.js';

/** One client session. */
export interface McpSession {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  /** Direct-path tool calls in flight, by JSON-RPC id (`notifications/cancelled` aborts one). */
  calls: Map<RequestId, AbortController>;
}

export interface McpSessionsOptions {
  createServer: () => Server;
  logger: Logger;
  maxBodyBytes: number;
}

/** Open sessions by id, plus those whose initialize request is still being handled. */
export class McpSessions {
  private readonly byId = new Map<string, McpSession>();
  private readonly open = new Set<McpSession>();

  constructor(private readonly options: McpSessionsOptions) {}

  /** Session `id`, if it is open. */
  get(id: string): McpSession | undefined {
    return this.byId.get(id);
  }

  /** Number of initialized sessions. */
  get size(): number {
    return this.byId.size;
  }

  /** Creates a session; its id is assigned when its initialize request is handled. */
  async create(): Promise<WebStandardStreamableHTTPServerTransport> {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.byId.set(id, session);
        this.options.logger.debug({ mcp_session: id }, 'MCP session opened');
      },
      onsessionclosed: (id) => void this.byId.delete(id),
      maxRequestBodySize: this.options.maxBodyBytes,
      // Every request gets one JSON answer (the spec allows it): mcpproxy sends nothing tied to
      // a request before its result, and a plain body costs a fraction of an SSE stream per
      // call. Notifications (tools/list_changed) still go out on the session's GET stream.
      enableJsonResponse: true,
    });
    const session: McpSession = {
      server: this.options.createServer(),
      transport,
      calls: new Map(),
    };
    session.server.onclose = () => this.forget(session);
    this.open.add(session);
    await session.server.connect(transport);
    return transport;
  }

  /** Tells every session that the tool list changed (clients then call `tools/list`). */
  async notifyToolsChanged(): Promise<void> {
    const sessions = [...this.byId.values()];
    await Promise.allSettled(sessions.map((s) => s.server.sendToolListChanged()));
  }

  /** Closes every session. */
  async closeAll(): Promise<void> {
    const sessions = [...this.open];
    this.open.clear();
    this.byId.clear();
    await Promise.allSettled(sessions.map((s) => s.server.close()));
  }

  private forget(session: McpSession): void {
    this.open.delete(session);
    for (const call of session.calls.values()) call.abort();
    session.calls.clear();
    const id = session.transport.sessionId;
    if (id && this.byId.get(id) === session) {
      this.byId.delete(id);
      this.options.logger.debug({ mcp_session: id }, 'MCP session closed');
    }
  }
}
