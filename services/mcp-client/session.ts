/**
 * @module A live upstream session (`UpstreamSession`): tool calls pass through unchanged, with
 * call-time 401/403 and lost connections turned into clear errors (and events for the actor).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type {
  CallProgress,
  ToolInfo,
  UpstreamSession,
} from '../../machines/upstream/upstream.types.js';
import {
  InsufficientScopeError,
  ProxyError,
  UpstreamUnauthorizedError,
  UpstreamUnavailableError,
} from '../errors.js';
import { AnswerTooLargeError, networkProblem } from '../oauth/index.js';
import { newTrace, runTraced } from './call-context.js';
import { sessionEnded } from './direct-http.js';
import { ANSWER_TOO_LARGE_CODE } from './stdio-read-buffer.js';
import type { CallTrace } from './call-context.js';
import { scrubError } from './config-secrets.js';
import type { Scrub } from './config-secrets.js';
import { listAllTools } from './list-tools.js';
import type { SessionLink } from './session-link.js';

/** Default bound on one tool result (serialized). */
export const MAX_RESULT_BYTES = 10 * 1024 * 1024;

/** How long closing waits for the server to forget the session. */
const TERMINATE_TIMEOUT_MS = 2_000;
/**
 * How long a tool call may run without an answer or a progress notification (the SDK's default
 * is 60 s, too short for real tools). The client's own timeout and cancellation still apply:
 * its `notifications/cancelled` aborts the upstream request.
 */
export const TOOL_CALL_IDLE_TIMEOUT_MS = 10 * 60_000;

export interface SessionOptions {
  serverName: string;
  client: Client;
  transport: Transport;
  link: SessionLink;
  /** Scopes the access token was granted (to name the missing ones on step-up). */
  grantedScopes: string[];
  maxResultBytes?: number;
  /** How long a call may go without an answer or progress (default TOOL_CALL_IDLE_TIMEOUT_MS). */
  callIdleTimeoutMs?: number;
  /** The access token requests carry now (null without OAuth). */
  accessToken?: () => string | null;
  /** How long a call refused with 401 waits for a new token (default REFRESH_WAIT_MS). */
  refreshWaitMs?: number;
  /** Scrubs the upstream's text (error answers, quoted error bodies) of its config values. */
  scrub: Scrub;
}

/** Creates the session object the actor owns. */
export function createSession(options: SessionOptions): UpstreamSession {
  const { serverName: server, client, transport, link } = options;
  const progress = routeProgress(transport);
  const idleMs = options.callIdleTimeoutMs ?? TOOL_CALL_IDLE_TIMEOUT_MS;
  const timedOut = (tool: string) =>
    new ProxyError(
      'tool_call_timeout',
      `${server} sent neither an answer nor progress for ${tool} in ${duration(idleMs)}, ` +
        'so the call was stopped.',
    );
  let progressTokens = 0;
  const maxBytes = options.maxResultBytes ?? MAX_RESULT_BYTES;
  let closing: Promise<void> | null = null;
  const tooLarge = (tool: string) =>
    new ProxyError(
      'result_too_large',
      `${server} sent more than ${Math.round(maxBytes / 1048576)} MB in answer to ${tool}; ` +
        'answers over the limit are cut off, so the call was stopped.',
    );

  const failure = (error: unknown, trace: CallTrace, tool: string): Error => {
    // An error answer or an HTTP error body may quote the headers the upstream was sent.
    scrubError(error, options.scrub);
    if (trace.tooLarge) return tooLarge(tool);
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return timedOut(tool);
    // A stdio answer over the limit, skipped by its reader (stdio-read-buffer.ts).
    if (error instanceof McpError && error.code === ANSWER_TOO_LARGE_CODE) return tooLarge(tool);
    if (trace.status === 401) {
      return new UpstreamUnauthorizedError(
        `${server} rejected the access token (HTTP 401); mcpproxy is refreshing it, try again shortly.`,
      );
    }
    if (trace.requiredScopes) {
      const missing = trace.requiredScopes.filter((s) => !options.grantedScopes.includes(s));
      const named =
        (missing.length > 0 ? missing : trace.requiredScopes).join(' ') || '(unspecified)';
      return new InsufficientScopeError(
        `${server} requires the scope ${named} for ${tool} (insufficient_scope); log in again to ` +
          `grant it: mcpproxy auth login --server ${server}`,
        trace.requiredScopes,
      );
    }
    const network = networkProblem(error);
    if (network) {
      // A reset ends this request's connection, not the MCP session (a keep-alive race, a proxy
      // in between): only this call fails. An upstream that is really gone refuses the next one.
      if (network.kind !== 'reset') link.lost(network.text);
      return new UpstreamUnavailableError(`${server} could not be reached: ${network.text}.`, {
        cause: error,
      });
    }
    const ended = sessionEnded(error);
    if (ended) {
      link.lost(`the MCP session expired (HTTP ${ended})`, { sessionExpired: true });
      return new UpstreamUnavailableError(
        `${server} lost the MCP session (HTTP ${ended}); reconnecting.`,
        { cause: error },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  };

  return {
    async callTool(name, args, callOptions) {
      // A call must not race the session's termination onto the wire.
      if (closing) throw new UpstreamUnavailableError(`${server}: the MCP session is closed.`);
      const send = (trace: CallTrace) => {
        // The fetch ends the call when the answer is cut off (an SSE answer would else hang).
        const cutOff = new AbortController();
        trace.abort = () => cutOff.abort(new AnswerTooLargeError(maxBytes));
        const signal = callOptions?.signal
          ? AbortSignal.any([cutOff.signal, callOptions.signal])
          : cutOff.signal;
        const onProgress = callOptions?.onProgress;
        if (!onProgress) {
          // The SDK's request timeout is the idle bound (nothing can reset it: no progress).
          return runTraced(trace, () =>
            client.request(
              { method: 'tools/call', params: { name, arguments: args } },
              CallToolResultSchema,
              {
                signal,
                timeout: idleMs,
              },
            ),
          );
        }
        // With progress, each notification restarts the idle bound, kept here since the
        // notifications are taken off the transport before the SDK sees them.
        const idle = idleTimer(idleMs, () => cutOff.abort(timedOut(name)));
        const token = `mcpproxy-${++progressTokens}`;
        progress.set(token, (update) => {
          idle.reset();
          onProgress(update);
        });
        const params = { name, arguments: args, _meta: { progressToken: token } };
        return runTraced(trace, () =>
          client.request({ method: 'tools/call', params }, CallToolResultSchema, {
            signal,
            timeout: MAX_TIMER_MS,
          }),
        ).finally(() => {
          idle.clear();
          progress.delete(token);
        });
      };
      let result: Record<string, unknown>;
      let trace = newTrace();
      try {
        result = await send(trace);
      } catch (error) {
        // A 401 means the upstream never ran the call. When the refused token was already
        // replaced by a refresh, or is replaced by the refresh the 401 starts within a few
        // seconds, one retry goes out with the new token.
        const renewed =
          trace.status === 401 &&
          (trace.staleToken ||
            (await tokenReplaced(
              trace.refusedToken,
              options.accessToken,
              options.refreshWaitMs ?? REFRESH_WAIT_MS,
              () => Boolean(closing || callOptions?.signal?.aborted),
            )));
        if (!renewed) throw failure(error, trace, name);
        trace = newTrace();
        try {
          result = await send(trace);
        } catch (retryError) {
          throw failure(retryError, trace, name);
        }
      }
      const size = Buffer.byteLength(JSON.stringify(result));
      if (size > maxBytes) {
        throw new ProxyError(
          'result_too_large',
          `${server} returned a ${Math.round(size / 1048576)} MB result for ${name}, over the ` +
            `${Math.round(maxBytes / 1048576)} MB limit.`,
        );
      }
      return result;
    },
    listTools(): Promise<ToolInfo[]> {
      return listAllTools(client);
    },
    close() {
      closing ??= (async () => {
        link.close();
        if (transport instanceof StreamableHTTPClientTransport)
          await bounded(transport.terminateSession());
        await client.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}

/** How long a call refused with 401 waits for the refresh that 401 starts. */
export const REFRESH_WAIT_MS = 10_000;
const REFRESH_POLL_MS = 50;

/**
 * Whether the access token `refused` is replaced within `waitMs` (the refresh the 401
 * started committed a new one); false at once without OAuth, and as soon as `givenUp` (the call
 * was cancelled, or the session closed: the server parked).
 */
async function tokenReplaced(
  refused: string | null,
  current: (() => string | null) | undefined,
  waitMs: number,
  givenUp: () => boolean,
): Promise<boolean> {
  if (refused === null || !current) return false;
  for (let waited = 0; waited < waitMs; waited += REFRESH_POLL_MS) {
    const now = current();
    if (now !== null && now !== refused) return true;
    if (givenUp()) return false;
    await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
  }
  return false;
}

/** "10 minutes", "300 ms". */
function duration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that calls `onIdle` unless reset in time; `clear()` ends it. */
function idleTimer(ms: number, onIdle: () => void) {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(onIdle, ms);
    timer.unref();
  };
  arm();
  return { reset: arm, clear: () => clearTimeout(timer) };
}

/**
 * Progress callbacks of the calls in flight, by the progress token sent upstream. Progress
 * notifications are taken off the transport before the SDK client sees them: its own progress
 * handler runs a microtask late, after a result that came in the same chunk has already removed
 * it, which lost the last notification of most calls.
 */
function routeProgress(transport: Transport): Map<string, (progress: CallProgress) => void> {
  const callbacks = new Map<string, (progress: CallProgress) => void>();
  const sdkOnMessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const params = (message as { method?: string; params?: Record<string, unknown> }).params;
    if ((message as { method?: string }).method === 'notifications/progress' && params) {
      const deliver = callbacks.get(String(params.progressToken));
      if (deliver && typeof params.progress === 'number') {
        deliver({
          progress: params.progress,
          ...(typeof params.total === 'number' && { total: params.total }),
          ...(typeof params.message === 'string' && { message: params.message }),
        });
        return;
      }
    }
    sdkOnMessage?.(message, extra);
  };
  return callbacks;
}

/** Waits for `work` at most {@link TERMINATE_TIMEOUT_MS}; its failure does not matter. */
async function bounded(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, TERMINATE_TIMEOUT_MS);
    timer.unref();
  });
  await Promise.race([work.catch(() => undefined), limit]);
  clearTimeout(timer);
}
