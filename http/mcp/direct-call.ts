/**
 * @module The hot path of `/mcp`: a plain `tools/call` POST of an established session is answered
 * here, without the SDK server transport (web `Request`, zod schemas of the message, the request
 * and the result) — the call goes straight to `callTool` and its JSON-RPC answer is the HTTP
 * body. Only a message the SDK would take exactly the same way qualifies (headers it accepts, one
 * request with a name and object arguments, no `_meta` but a progress token, no task); everything
 * else still goes through the session's SDK transport, which keeps every check and error answer
 * it makes. A call with a progress token is answered as an SSE stream: the upstream's progress
 * notifications as they come, then the result (MCP Streamable HTTP).
 */
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { ErrorCode, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage, ProgressToken, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { CallProgress } from '../../machines/upstream/upstream.types.js';
import { callTool, type CallDeps } from './call-tool.js';

/** A `tools/call` request the direct path answers. */
export interface DirectToolCall {
  id: RequestId;
  name: string;
  args: Record<string, unknown> | undefined;
  /** The client's `_meta.progressToken`: it wants the call's progress notifications. */
  progressToken?: ProgressToken;
}

const MESSAGE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);
const META_KEYS = new Set(['progressToken']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const onlyKeys = (value: Record<string, unknown>, allowed: Set<string>) =>
  Object.keys(value).every((key) => allowed.has(key));

/**
 * Whether a POST's headers are ones the SDK transport accepts for a request after initialize
 * (Accept of both JSON and SSE, a JSON body, a supported protocol version or none).
 */
export function directHeaders(header: (name: string) => string | undefined): boolean {
  const accept = header('accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!isJsonContentType(header('content-type'))) return false;
  const version = header('mcp-protocol-version');
  return version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/** The call in `body` when it is one plain `tools/call` request; null for anything else. */
export function directToolCall(body: unknown): DirectToolCall | null {
  if (!isPlainObject(body) || !onlyKeys(body, MESSAGE_KEYS)) return null;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || method !== 'tools/call') return null;
  if (typeof id !== 'string' && !Number.isSafeInteger(id)) return null;
  if (!isPlainObject(params) || !onlyKeys(params, PARAM_KEYS)) return null;
  const { name, arguments: args, _meta: meta } = params;
  if (typeof name !== 'string' || (args !== undefined && !isPlainObject(args))) return null;
  if (meta === undefined) return { id: id as RequestId, name, args };
  if (!isPlainObject(meta) || !onlyKeys(meta, META_KEYS)) return null;
  const token = meta.progressToken;
  if (typeof token !== 'string' && !Number.isSafeInteger(token)) return null;
  return { id: id as RequestId, name, args, progressToken: token as ProgressToken };
}

/**
 * What is wrong with the params of a `tools/call` request in `body`, or null when they are fine
 * or `body` is something else. The SDK server answers such params with -32603 and a zod dump;
 * the MCP spec asks for -32602 (invalid params), here with a sentence.
 */
export function invalidToolCallParams(body: unknown): string | null {
  if (!isPlainObject(body) || body.method !== 'tools/call' || body.jsonrpc !== '2.0') return null;
  if (typeof body.id !== 'string' && !Number.isSafeInteger(body.id)) return null;
  const { params } = body;
  if (!isPlainObject(params))
    return 'tools/call needs params: an object with "name" and "arguments"';
  if (typeof params.name !== 'string')
    return 'tools/call needs params.name: the tool name, a string';
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) {
    return "tools/call params.arguments must be an object (the tool's named arguments)";
  }
  return null;
}

/** The requests a `notifications/cancelled` message (or a batch of messages) cancels. */
export function cancellations(body: unknown): Array<{ id: RequestId; reason: unknown }> {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    if (!isPlainObject(message) || message.method !== 'notifications/cancelled') return [];
    if (!isPlainObject(message.params)) return [];
    const { requestId: id, reason } = message.params;
    return typeof id === 'string' || typeof id === 'number' ? [{ id, reason }] : [];
  });
}

/**
 * Runs the call and answers its JSON-RPC response, as the SDK server would: the result, or an
 * error with the thrown error's code and message. Null once `signal` was aborted (a cancelled
 * request gets no answer).
 */
export async function answerToolCall(
  deps: CallDeps,
  call: DirectToolCall,
  signal: AbortSignal,
  onProgress?: (progress: CallProgress) => void,
): Promise<JSONRPCMessage | null> {
  try {
    const result = await callTool(deps, call.name, call.args, signal, onProgress);
    return signal.aborted ? null : { result, jsonrpc: '2.0', id: call.id };
  } catch (error) {
    if (signal.aborted) return null;
    return { jsonrpc: '2.0', id: call.id, error: rpcErrorOf(error) };
  }
}

/** The `notifications/progress` message of `progress` for the client's `token`. */
export function progressMessage(token: ProgressToken, progress: CallProgress): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: {
      progressToken: token,
      progress: progress.progress,
      ...(progress.total !== undefined && { total: progress.total }),
      ...(progress.message !== undefined && { message: progress.message }),
    },
  };
}

function rpcErrorOf(error: unknown): { code: number; message: string; data?: unknown } {
  const { code, message, data } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    data?: unknown;
  };
  return {
    code: Number.isSafeInteger(code) ? (code as number) : ErrorCode.InternalError,
    message: typeof message === 'string' ? message : 'Internal error',
    ...(data !== undefined && { data }),
  };
}
