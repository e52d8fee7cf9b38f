/** @module Public API of the OAuth test server, for tests that import it. */
export { startOAuthTestServer } from './server.js';
export type { OAuthTestServer } from './server.js';
export type { OAuthTestServerOptions, ResolvedOptions, LoopbackHost } from './options.js';
export { parseDuration } from './options.js';
export { FAIL_MODES } from './fail.js';
export type { FailConfig, FailMode, FailGrant, FailStatus } from './fail.js';
export type { RequestLogEntry } from './log.js';
export type { GrantView } from './state.js';
export { OptionsError } from './errors.js';
