/**
 * @module The MCP sessions of `/mcp`: one Streamable HTTP transport + server per session, keyed
 * by `mcp-session-id`, removed when the session closes (DELETE, transport close, app close, or
 * idle too long), and the tool calls the direct path runs for it (aborted when it closes, as the
 * SDK server's are). Clients that go away without a DELETE (most do) leave their session behind:
 * one with no request for `idleMs`, no tool call running and no open event stream is closed, and
 * its client, should it come back, gets 404 and starts a new one (MCP spec).
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
  /** When its latest request came or was answered. */
  lastSeen: number;
  /** GET event streams open. */
  streams: number;
}

/** A session with no request for this long (and no call running, no stream open) is closed. */
export const SESSION_IDLE_MS = 30 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export interface McpSessionsOptions {
  createServer: () => Server;
  logger: Logger;
  maxBodyBytes: number;
  now?: () => number;
  /** Idle time after which a session is closed (default SESSION_IDLE_MS), and the check period. */
  idleMs?: number;
  sweepEveryMs?: number;
}

/** Open sessions by id, plus those whose initialize request is still being handled. */
export class McpSessions {
  private readonly byId = new Map<string, McpSession>();
  private readonly open = new Set<McpSession>();
  private readonly now: () => number;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly options: McpSessionsOptions) {
    this.now = options.now ?? Date.now;
    const idleMs = options.idleMs ?? SESSION_IDLE_MS;
    this.sweeper = setInterval(
      () => void this.closeIdle(idleMs),
      options.sweepEveryMs ?? SWEEP_EVERY_MS,
    );
    this.sweeper.unref();
  }

  /**
   * Answers one request of `session` with `answer`, noting when it came. A GET's event stream
   * keeps the session until the client goes away (`signal`, read for GETs only: the hot path
   * of tool calls pays nothing for it). Calls the direct path runs are kept in `calls`.
   */
  async serve(
    session: McpSession,
    answer: () => Promise<Response>,
    stream?: { signal: () => AbortSignal },
  ): Promise<Response> {
    session.lastSeen = this.now();
    const response = await answer();
    session.lastSeen = this.now();
    if (!stream || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      return response;
    }
    const signal = stream.signal();
    if (signal.aborted) return response;
    session.streams += 1;
    signal.addEventListener(
      'abort',
      () => {
        session.streams -= 1;
        session.lastSeen = this.now();
      },
      { once: true },
    );
    return response;
  }

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
      lastSeen: this.now(),
      streams: 0,
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

  /** Closes the sessions idle for `idleMs`: no call running, no stream, no request since. */
  async closeIdle(idleMs: number): Promise<number> {
    const before = this.now() - idleMs;
    const idle = [...this.byId.values()].filter(
      (s) => s.streams === 0 && s.calls.size === 0 && s.lastSeen <= before,
    );
    if (idle.length === 0) return 0;
    this.options.logger.debug(
      { sessions: idle.length, idle_s: Math.round(idleMs / 1000) },
      'closing idle MCP sessions',
    );
    await Promise.allSettled(idle.map((s) => s.server.close()));
    return idle.length;
  }

  /** Closes every session. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
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
