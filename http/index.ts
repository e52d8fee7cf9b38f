/** @module The HTTP side of mcpproxy: `createApp(deps)` and what its callers need. */
export { createApp } from './app.js';
export type { AppOptions, ProxyApp } from './app.js';
export {
  DEFAULT_LOGIN_URL_TIMEOUT_MS,
  DEFAULT_PING_INTERVAL_MS,
  MAX_API_BODY_BYTES,
  MAX_MCP_BODY_BYTES,
} from './deps.js';
export type { AppDeps } from './deps.js';
export {
  errorBody,
  ForbiddenError,
  LoginFailedError,
  LoginUrlTimeoutError,
  PayloadTooLargeError,
  statusOf,
} from './errors.js';
export type { ErrorBody } from './errors.js';
export { LOOPBACK_HOSTS } from './middleware/host-check.js';
export { openApiDocument } from './openapi/document.js';
export { SERVER_NAME } from './validate.js';
