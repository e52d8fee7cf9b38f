/** @module The one place errors become exit codes and user-facing sentences (SPEC §8). */
import { ConfigError, ProxyError, StoreError, UsageError } from '../services/errors.js';
import { redactString } from '../services/logger/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The exit code for an error: 2 for usage and config problems, 1 for everything else. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** A sentence for the user, never a stack trace (`MCPPROXY_DEBUG=1` adds the stack). */
export function describeError(error: unknown): string {
  if (error instanceof StoreError || error instanceof ProxyError)
    return redactString(error.message);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return redactString(code ? `${error.message} (${code})` : error.message);
  }
  return redactString(String(error));
}
