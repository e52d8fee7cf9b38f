/**
 * @module API key check: `X-API-Key` header or `?apikey=` query parameter, compared in constant
 * time (SHA-256 digests of equal length through `timingSafeEqual`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../../services/errors.js';

export interface ApiKeyOptions {
  /** The expected key; null or empty disables the check. */
  key?: string | null;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when `given` equals `expected`, in time independent of where they differ. */
export function keysMatch(given: string, expected: string): boolean {
  // Digests have equal length whatever the inputs, so timingSafeEqual never throws and the
  // comparison leaks neither the key's length nor a matching prefix.
  return timingSafeEqual(digest(given), digest(expected));
}

/** Requires the API key on every request it guards; 401 otherwise. */
export function apiKey(options: ApiKeyOptions = {}): MiddlewareHandler {
  const expected = options.key ?? null;
  // Not async: an async middleware adds a promise of its own to every request.
  return function apiKeyCheck(c, next) {
    if (!expected) return next();
    const given = c.req.header('x-api-key') ?? c.req.query('apikey');
    if (given === undefined || !keysMatch(given, expected)) throw new UnauthorizedError();
    return next();
  };
}
