/**
 * @module OAuth for upstream servers on the SDK's `client/auth.js`: the login and refresh actors,
 * the standalone login flow for the CLI, and the one failure classifier.
 */
export { AnswerTooLargeError, capBody, decodedBody } from './body-cap.js';
export { classifyOAuthFailure } from './classify.js';
export { createLoginActor } from './login-actor.js';
export type { LoginActorDeps } from './login-actor.js';
export { createRefreshActor } from './refresh-actor.js';
export type { RefreshActorDeps } from './refresh-actor.js';
export { runLoginFlow } from './login-flow.js';
export type { LoginFlowOptions } from './login-flow.js';
export { ClientRejectedError, OAuthSetupError } from './oauth-errors.js';
export { createOAuthHttp, OAUTH_HTTP_TIMEOUT_MS } from './oauth-http.js';
export type { HttpExchange, OAuthHttp, OAuthHttpOptions } from './oauth-http.js';
export { isAbort, isTimeout, networkProblem } from './network-error.js';
export type { NetworkKind, NetworkProblem } from './network-error.js';
export { formatDelay, parseRetryAfter } from './retry-after.js';
export { CALLBACK_PATH, pickFreePort, resolveCallbackTarget } from './redirect.js';
export type { CallbackTarget } from './redirect.js';
export { selectScopes, splitScope } from './scopes.js';
export { hasUsableAccessToken } from './token-response.js';
export { silentLogger } from './service-logger.js';
export type { ServiceLogger } from './service-logger.js';
