/**
 * @module The logging surface services/oauth and services/mcp-client need: the pino methods they
 * call, so a pino `Logger` (or a test double) can be passed in.
 */

/** A pino-compatible logger: `logger.debug({ ...fields }, 'message')`, `child(bindings)`. */
export interface ServiceLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
  child(bindings: Record<string, unknown>): ServiceLogger;
  isLevelEnabled?(level: string): boolean;
}

/** A logger that drops everything (the default when a caller passes none). */
export const silentLogger: ServiceLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  isLevelEnabled: () => false,
};
