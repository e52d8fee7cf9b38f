/**
 * @module PostgreSQL failures as `StoreError` sentences: "cannot reach" (an outage the store
 * rides out) told apart from everything else, never with the URL's password in them.
 */
import { ProxyError, StoreError } from '../errors.js';
import { scrubSecret } from './pg-url.js';
import type { PostgresTarget } from './pg-url.js';

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
};

const SQLSTATE_REASONS: Record<string, string> = {
  '57P01': 'the server shut down',
  '57P02': 'the server crashed',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'too many connections',
};

const MESSAGE_REASONS: [RegExp, string][] = [
  [/connection terminated|not queryable|connection error/i, 'connection lost'],
  [/timeout exceeded when trying to connect|connection timeout/i, 'connection timed out'],
  [/query read timeout/i, 'query timed out'],
];

type ErrorLike = { code?: unknown; message?: unknown; errors?: unknown };

/**
 * Why `error` means PostgreSQL cannot be reached ("connection refused", "the server shut
 * down"…), or null when it is some other failure (SQL, permissions, a bug).
 */
export function unreachableReason(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, errors } = error as ErrorLike;
  if (typeof code === 'string') {
    if (code in NETWORK_REASONS) return NETWORK_REASONS[code];
    if (code in SQLSTATE_REASONS) return SQLSTATE_REASONS[code];
    if (code.startsWith('08')) return 'connection failure';
  }
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const reason = unreachableReason(inner);
      if (reason !== null) return reason;
    }
  }
  if (typeof message === 'string') {
    for (const [pattern, reason] of MESSAGE_REASONS) if (pattern.test(message)) return reason;
  }
  return null;
}

/** The outage sentence operations fail with while PostgreSQL is down. */
export function unavailableMessage(target: PostgresTarget, reason: string): string {
  return (
    `Token store unavailable: cannot reach PostgreSQL at ${target.hostPort} (${reason}); ` +
    'tokens in memory stay in use, retrying.'
  );
}

/**
 * Converts a failure of `doing` ("read the token record", …) into a `StoreError` sentence.
 * `ProxyError`s pass through unchanged.
 */
export function toStoreError(error: unknown, target: PostgresTarget, doing: string): ProxyError {
  if (error instanceof ProxyError) return error;
  const reason = unreachableReason(error);
  if (reason !== null) return new StoreError(unavailableMessage(target, reason), { cause: error });
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const text = scrubSecret(typeof message === 'string' ? message : String(error), target);
  if (code === '28P01' || code === '28000') {
    return new StoreError(
      `PostgreSQL at ${target.hostPort} refused the token store's login (${text}): check the ` +
        `user and password of the store URL ${target.redacted}.`,
    );
  }
  return new StoreError(
    `Cannot ${doing} in the token store on PostgreSQL at ${target.hostPort}: ${text}.`,
  );
}

/** Converts a failure to open the store (connect, login, migrate) into a `StoreError` sentence. */
export function openError(error: unknown, target: PostgresTarget): ProxyError {
  if (error instanceof ProxyError) return error;
  const reason = unreachableReason(error);
  if (reason === null) return toStoreError(error, target, 'prepare the schema');
  return new StoreError(
    `Cannot open the token store: cannot reach PostgreSQL at ${target.hostPort} (${reason}). ` +
      `Check that PostgreSQL is running and that the store URL ${target.redacted} is right.`,
    { cause: error },
  );
}
