/**
 * @module JSON-RPC messages on the direct path: telling what the client sends apart, and
 * validating what the upstream answers, as the SDK transport does but without a zod pass where
 * it adds nothing.
 */
import {
  JSONRPCMessageSchema,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * Whether a message the client sends is a request (a method and an id), as the SDK transport
 * tells them apart — not through zod's request schema, a parse of the whole message.
 */
export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

/** Whether a message the client sends is `notifications/initialized`. */
export function isInitialized(message: JSONRPCMessage): boolean {
  return (
    'method' in message && !('id' in message) && message.method === 'notifications/initialized'
  );
}

/**
 * A received JSON-RPC message, validated as the SDK transport does — except that a plain result
 * response (the answer to nearly every call) is checked by hand: the client validates its result
 * with the request's own schema next, so zod's pass over the envelope union adds nothing.
 */
export function messageOf(value: unknown): JSONRPCMessage {
  return isPlainResultResponse(value) ? value : JSONRPCMessageSchema.parse(value);
}

function isPlainResultResponse(value: unknown): value is JSONRPCResultResponse {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { jsonrpc, id, result } = value as Record<string, unknown>;
  return (
    Object.keys(value).length === 3 &&
    jsonrpc === '2.0' &&
    (typeof id === 'string' || Number.isSafeInteger(id)) &&
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result)
  );
}
