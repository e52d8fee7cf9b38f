/**
 * @module MCP client side of an upstream: the `connect` actor (Streamable HTTP, SSE, auto, stdio;
 * bearer token from the actor, never an SDK refresh) and the `session` actor that closes it.
 */
export { createConnectActor, sessionActor } from './connect-actor.js';
export type { ConnectActorDeps } from './connect-actor.js';
export { connectUpstream, CONNECT_TIMEOUT_MS } from './connect.js';
export type { ConnectOptions } from './connect.js';
export {
  classifyConnectFailure,
  UpstreamAuthError,
  UpstreamConnectError,
  UpstreamScopeError,
} from './connect-errors.js';
export { createUpstreamFetch } from './upstream-fetch.js';
export type { AuthAnswer, UpstreamFetchOptions } from './upstream-fetch.js';
export { MAX_RESULT_BYTES } from './session.js';
export { toToolInfo } from './tool-info.js';
