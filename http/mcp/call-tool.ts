/**
 * @module `tools/call` through the proxy: route by the lookup table, answer at once for a server
 * that is not usable (its health and action), else call the live session and pass the result on
 * unchanged. Counts `mcpproxy_tool_calls_total` and times `mcpproxy_tool_call_duration_seconds`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { AnyActorRef } from 'xstate';
import { healthOf } from '../../machines/upstream/health.js';
import type { CallProgress } from '../../machines/upstream/upstream.types.js';
import type { Logger } from '../../services/logger/index.js';
import { redactString } from '../../services/logger/index.js';
import type { ProxyMetrics } from '../../services/metrics/metrics.js';
import { findUpstream, isUsable, listUpstreams, type UpstreamSnapshot } from '../upstreams.js';
import type { ToolCatalog } from './tool-catalog.js';

/**
 * A JSON-RPC error of a call (code, message). Not the SDK's `McpError`: that puts "MCP error
 * CODE: " in its message, which the answer carries and the client's `McpError` prefixes again.
 */
class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const unknownTool = (fullName: string) =>
  new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${fullName}`);

export interface CallDeps {
  supervisor: AnyActorRef;
  catalog: ToolCatalog;
  metrics: ProxyMetrics;
  logger: Logger;
  now: () => number;
}

const textError = (text: string): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text }],
});

/** The tool error for a server that cannot take calls now (SPEC §6: never hangs). */
export function unavailableResult(
  server: string,
  snapshot: UpstreamSnapshot | undefined,
  now: number,
) {
  if (!snapshot) return textError(`${server} is not available: it is no longer configured.`);
  const health = healthOf(snapshot, now);
  const detail = health.detail ? ` (${health.detail})` : '';
  return textError(
    redactString(
      `${server} is not available: ${health.summary}${detail}. Action: ${health.action}`,
    ),
  );
}

/** Calls `fullName` with `args`; MCP error for a name no server owns. */
export async function callTool(
  deps: CallDeps,
  fullName: string,
  args: Record<string, unknown> | undefined,
  signal: AbortSignal,
  onProgress?: (progress: CallProgress) => void,
): Promise<CallToolResult> {
  deps.catalog.rebuild(listUpstreams(deps.supervisor));
  const route = deps.catalog.route(fullName);
  const server =
    route?.server ?? deps.catalog.serverOf(fullName) ?? deps.catalog.removedServerOf(fullName);
  if (!server) throw unknownTool(fullName);
  const snapshot = findUpstream(deps.supervisor, server)?.snapshot;
  if (!snapshot || !isUsable(snapshot) || !snapshot.context.session) {
    deps.metrics.toolCalls.inc({ server, result: 'unavailable' });
    return unavailableResult(server, snapshot, deps.now());
  }
  if (!route) throw unknownTool(fullName);
  const session = snapshot.context.session;
  const stopTimer = deps.metrics.toolCallDuration.startTimer({ server });
  try {
    const result = (await session.callTool(route.tool.name, args, {
      signal,
      ...(onProgress && { onProgress }),
    })) as CallToolResult;
    deps.metrics.toolCalls.inc({ server, result: result.isError === true ? 'error' : 'success' });
    return result;
  } catch (error) {
    deps.metrics.toolCalls.inc({ server, result: 'error' });
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.warn({ server, tool: route.tool.name, err: error }, 'tool call failed');
    return textError(redactString(`${server}: the tool call failed: ${message}`));
  } finally {
    stopTimer();
  }
}
