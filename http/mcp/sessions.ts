/**
 * @module The MCP sessions of `/mcp`: one Streamable HTTP transport + server per session, keyed
 * by `mcp-session-id`, removed when the session closes (DELETE, transport close, app close).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Logger } from '../../services/logger/index.js';

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
}

export interface McpSessionsOptions {
  createServer: () => Server;
  logger: Logger;
  maxBodyBytes: number;
}

/** Open sessions by id, plus those whose initialize request is still being handled. */
export class McpSessions {
  private readonly byId = new Map<string, Session>();
  private readonly open = new Set<Session>();

  constructor(private readonly options: McpSessionsOptions) {}

  /** The transport of session `id`, if it is open. */
  get(id: string): WebStandardStreamableHTTPServerTransport | undefined {
    return this.byId.get(id)?.transport;
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
    const session: Session = { server: this.options.createServer(), transport };
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

  private forget(session: Session): void {
    this.open.delete(session);
    const id = session.transport.sessionId;
    if (id && this.byId.get(id) === session) {
      this.byId.delete(id);
      this.options.logger.debug({ mcp_session: id }, 'MCP session closed');
    }
  }
}
