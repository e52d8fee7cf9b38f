/**
 * @module Pure timing rules of SPEC §3: backoff, refresh moment, rate-limit spacing. Used by the
 * machine's named delays and by health/views; unit-tested as tables.
 */
import type { TokenRecord } from './token-record.js';
import type { RefreshSettings } from './upstream.types.js';

export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** setTimeout overflows above 2^31-1 ms; longer waits are re-armed. */
export const MAX_TIMER_MS = 2_147_483_647;
/** Health warns this long before the refresh token itself runs out (SPEC §3a). */
export const REFRESH_EXPIRY_WARNING_MS = 24 * 3600_000;

/** The n-th consecutive failure (n = 0, 1, …) waits min(10 s·2^n, 300 s), or Retry-After if longer. */
export function backoffMs(n: number, retryAfterMs: number | null = null): number {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, n), BACKOFF_MAX_MS);
  return retryAfterMs !== null && retryAfterMs > base ? retryAfterMs : base;
}

/**
 * When a token should be refreshed: issued_at + (threshold − jitter) · lifetime. Null when the
 * token does not expire (no expires_in) or there is none.
 */
export function refreshAt(
  record: TokenRecord | null,
  threshold: number,
  jitter = 0,
): number | null {
  if (!record?.tokens || record.issued_at === null || record.expires_at === null) return null;
  const lifetime = record.expires_at - record.issued_at;
  return Math.floor(record.issued_at + Math.max(0, threshold - jitter) * lifetime);
}

/** Earliest moment the next refresh attempt may start (rate limit, SPEC §3). */
export function earliestAttempt(lastAttemptAt: number | null, settings: RefreshSettings): number {
  return lastAttemptAt === null ? -Infinity : lastAttemptAt + settings.minIntervalMs;
}

/** Whether the access token has expired at `now` (a token without expiry never does). */
export function accessExpired(record: TokenRecord | null, now: number): boolean {
  return (
    record?.expires_at !== null && record?.expires_at !== undefined && record.expires_at <= now
  );
}

/** Whether the refresh token's own lifetime (if the AS stated one) has passed at `now`. */
export function refreshTokenExpired(record: TokenRecord | null, now: number): boolean {
  return record?.refresh_expires_at != null && record.refresh_expires_at <= now;
}

/**
 * The next moment the refresh token's own lifetime changes something: the start of the 24 h
 * warning (health turns degraded) or the expiry itself (login required). `now` once it passed;
 * Infinity when the AS stated no lifetime.
 */
export function refreshLifetimeEventAt(record: TokenRecord | null, now: number): number {
  const expiresAt = record?.tokens ? record.refresh_expires_at : null;
  if (expiresAt === null || expiresAt === undefined) return Infinity;
  if (expiresAt <= now) return now;
  const warnAt = expiresAt - REFRESH_EXPIRY_WARNING_MS;
  return warnAt > now ? warnAt : expiresAt;
}

/** RFC 3339 in whole seconds (`2026-11-24T14:30:00Z`), as health details show times. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Clamps a wait to what a timer can hold. */
export function clampDelay(ms: number): number {
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_TIMER_MS);
}
