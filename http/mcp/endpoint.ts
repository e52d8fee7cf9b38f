/**
 * @module The `/mcp` endpoint (SPEC §6): Streamable HTTP with sessions, the shared tool catalog,
 * and `notifications/tools/list_changed` to every session when the offered tools change. A plain
 * `tools/call` of an established session takes the direct path (direct-call.ts); every other
 * message goes through the session's SDK transport and server.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { MAX_MCP_BODY_BYTES, type AppDeps } from '../deps.js';
import { listUpstreams } from '../upstreams.js';
import type { CallDeps } from './call-tool.js';
import {
  answerToolCall,
  cancellations,
  directHeaders,
  directToolCall,
  invalidToolCallParams,
  progressMessage,
  type DirectToolCall,
} from './direct-call.js';
import { jsonBody } from './json-body.js';
import { createMcpServer } from './mcp-server.js';
import { McpSessions, type McpSession } from './sessions.js';
import { ToolCatalog } from './tool-catalog.js';
import { watchUpstreams } from './upstream-watch.js';

/** The `/mcp` routes and what must be closed with the app. */
export interface McpEndpoint {
  routes: Hono;
  sessions: McpSessions;
  close(): Promise<void>;
}

function rpcError(c: Context, status: 400 | 404, code: number, message: string): Response {
  return c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status);
}

/** Creates the endpoint; it watches the supervisor until `close()`. */
export function createMcpEndpoint(
  deps: AppDeps,
  options: { debounceMs?: number; sessionSweepMs?: number } = {},
): McpEndpoint {
  const catalog = new ToolCatalog(deps.logger);
  const callDeps = { ...deps, catalog };
  const sessions = new McpSessions({
    createServer: () => createMcpServer(callDeps, deps.version),
    logger: deps.logger,
    maxBodyBytes: MAX_MCP_BODY_BYTES,
    now: deps.now,
    sweepEveryMs: options.sessionSweepMs,
  });
  catalog.rebuild(listUpstreams(deps.supervisor));
  let notified = catalog.signature();
  const stopWatching = watchUpstreams(deps.supervisor, {
    debounceMs: options.debounceMs,
    onChange: () => {
      catalog.rebuild(listUpstreams(deps.supervisor));
      const signature = catalog.signature();
      if (signature === notified) return;
      notified = signature;
      void sessions.notifyToolsChanged();
    },
  });

  const routes = new Hono();
  routes.on(['GET', 'POST', 'DELETE'], '/mcp', async (c) => {
    const sessionId = c.req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return rpcError(c, 404, -32001, 'Session not found: initialize a new one.');
      if (c.req.method === 'POST' && directHeaders((name) => c.req.header(name))) {
        return sessions.serve(session, () => post(c, callDeps, sessions, session, sessionId));
      }
      return sessions.serve(
        session,
        () => session.transport.handleRequest(c.req.raw),
        c.req.method === 'GET' ? { signal: () => c.req.raw.signal } : undefined,
      );
    }
    if (c.req.method !== 'POST') {
      return rpcError(c, 400, -32000, 'Bad Request: no mcp-session-id header.');
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return rpcError(c, 400, -32700, 'Parse error: the body is not JSON.');
    }
    if (!isInitializeRequest(body)) {
      return rpcError(c, 400, -32000, 'Bad Request: no valid session id; send initialize first.');
    }
    const transport = await sessions.create();
    const response = await transport.handleRequest(c.req.raw, { parsedBody: body });
    // An initialize the transport refused leaves a session nobody can address: drop it.
    if (!transport.sessionId) await transport.close();
    return response;
  });

  return {
    routes,
    sessions,
    async close() {
      stopWatching();
      await sessions.closeAll();
    },
  };
}

/**
 * A POST of an established session whose headers the SDK accepts: a plain `tools/call` is
 * answered directly, anything else goes to the SDK transport with the parsed body (after
 * aborting the direct calls it cancels).
 */
async function post(
  c: Context,
  deps: CallDeps,
  sessions: McpSessions,
  session: McpSession,
  sessionId: string,
): Promise<Response> {
  let body: unknown;
  try {
    body = await jsonBody(c);
  } catch {
    return rpcError(c, 400, -32700, 'Parse error: Invalid JSON');
  }
  // Closed while the body was read (as the SDK transport answers then).
  if (sessions.get(sessionId) !== session) return rpcError(c, 404, -32001, 'Session not found');
  const call = directToolCall(body);
  if (!call) {
    const problem = invalidToolCallParams(body);
    if (problem) {
      const id = (body as { id: string | number }).id;
      return new Response(
        JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32602, message: problem } }),
        { headers: { 'content-type': 'application/json', 'mcp-session-id': sessionId } },
      );
    }
  }
  if (!call || session.calls.has(call.id)) {
    for (const { id, reason } of cancellations(body)) session.calls.get(id)?.abort(reason);
    return session.transport.handleRequest(c.req.raw, { parsedBody: body });
  }
  const controller = new AbortController();
  session.calls.set(call.id, controller);
  const forget = () => {
    if (session.calls.get(call.id) === controller) session.calls.delete(call.id);
  };
  if (call.progressToken !== undefined)
    return streamedCall(deps, call, controller, forget, sessionId);
  const answer = await answerToolCall(deps, call, controller.signal).finally(forget);
  // A cancelled request gets no answer, as from the SDK server.
  if (!answer) return new Promise<never>(() => undefined);
  // Plain headers: @hono/node-server writes them as they are (c.json with headers builds a
  // web Headers object to merge them).
  return new Response(JSON.stringify(answer), {
    headers: { 'content-type': 'application/json', 'mcp-session-id': sessionId },
  });
}

/**
 * A call whose client asked for progress: answered as an SSE stream (the Streamable HTTP way to
 * send messages before a response) carrying each upstream progress notification under the
 * client's token, then the result. A cancelled call's stream ends without a result.
 */
function streamedCall(
  deps: CallDeps,
  call: DirectToolCall,
  controller: AbortController,
  forget: () => void,
  sessionId: string,
): Response {
  const encoder = new TextEncoder();
  let out: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  const write = (message: object) => {
    if (!open) return;
    try {
      out?.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`));
    } catch {
      open = false; // the client went away; the call runs on until it ends or is cancelled
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      out = controller;
    },
    cancel() {
      open = false;
    },
  });
  const token = call.progressToken!;
  void answerToolCall(deps, call, controller.signal, (progress) =>
    write(progressMessage(token, progress)),
  )
    .then((answer) => {
      if (answer) write(answer);
    })
    .finally(() => {
      forget();
      if (open) {
        open = false;
        out?.close();
      }
    });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'mcp-session-id': sessionId,
    },
  });
}
