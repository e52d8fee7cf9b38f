/** @module Logging: the pino logger and the redaction every outgoing value goes through. */
export { createLogger, isLogLevel, LOG_LEVELS } from './logger.js';
export type { CreateLoggerOptions, Logger, LogLevel } from './logger.js';
export { redact, MAX_REDACT_DEPTH } from './redact.js';
export type { RedactOptions } from './redact.js';
export { redactString } from './redact-string.js';
export { isSecretKey, REDACTED, SECRET_QUERY_PARAMS } from './secret-names.js';
