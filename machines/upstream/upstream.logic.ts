/**
 * @module Pure helpers behind the upstream machine's named guards, delays and actions: failure
 * bookkeeping, when the next refresh is due, whether a token is usable.
 */
import type { RefreshOutcome, RefreshResult, TokenRecord } from './token-record.js';
import {
  accessExpired,
  backoffMs,
  clampDelay,
  earliestAttempt,
  isoSeconds,
  refreshAt,
  refreshLifetimeEventAt,
  MAX_TIMER_MS,
} from './timing.js';
import type { ClassifiedFailure, UpstreamContext, UpstreamInternal } from './upstream.types.js';

/** Reads the classified failure from an actor error, whatever was thrown. */
export function failureOf(error: unknown): ClassifiedFailure {
  if (error && typeof error === 'object' && 'result' in error && 'message' in error) {
    return error as ClassifiedFailure;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { result: 'failed_other', message };
}

/** The context change that sets some of the machine's internal fields. */
export function withInternal(
  context: UpstreamContext,
  change: Partial<UpstreamInternal>,
): Pick<UpstreamContext, 'internal'> {
  return { internal: { ...context.internal, ...change } };
}

/** The moment the next refresh is due (now when one was requested), before rate limiting. */
export function refreshDueAt(context: UpstreamContext, now: number): number {
  if (context.internal.refreshNow) return now;
  const at = refreshAt(context.record, context.settings.threshold, context.jitter);
  return at ?? Infinity;
}

/**
 * Milliseconds until the actor next looks at its token: when the next refresh attempt may and
 * should start, or earlier when the refresh token's own lifetime reaches its 24 h warning or its
 * end (the `refreshDelay` transitions check which one it was).
 */
export function refreshDelayMs(context: UpstreamContext): number {
  const now = context.env.now();
  const attemptAt = Math.max(
    refreshDueAt(context, now),
    earliestAttempt(context.internal.lastAttemptAt, context.settings),
  );
  const at = Math.min(attemptAt, refreshLifetimeEventAt(context.record, now));
  return at === Infinity ? MAX_TIMER_MS : clampDelay(at - now);
}

/** Whether a refresh may start now (due and outside the rate-limit window). */
export function refreshIsDue(context: UpstreamContext): boolean {
  const now = context.env.now();
  return (
    now >= refreshDueAt(context, now) &&
    now >= earliestAttempt(context.internal.lastAttemptAt, context.settings)
  );
}

/** Context changes after the n-th consecutive failure: count it and plan the next attempt. */
export function afterFailure(
  context: UpstreamContext,
  failure: ClassifiedFailure,
): Partial<UpstreamContext> {
  const now = context.env.now();
  const wait = backoffMs(context.failures, failure.retryAfterMs ?? null);
  const nextRetryAt = Math.max(
    now + wait,
    earliestAttempt(context.internal.lastAttemptAt, context.settings),
  );
  return {
    failures: context.failures + 1,
    lastError: failure.message,
    lastResult: failure.result,
    nextRetryAt,
    flow: null,
    ...withInternal(context, { retryAfterMs: failure.retryAfterMs ?? null, pending: null }),
  };
}

/** Context changes that park a server in `loginRequired` with `reason` (SPEC §3). */
export function parked(
  context: UpstreamContext,
  params: { reason: string; oauthError?: boolean },
): Partial<UpstreamContext> {
  return {
    loginReason: params.reason,
    oauthError: params.oauthError ? params.reason : null,
    oauth: true,
    flow: null,
    failures: 0,
    nextRetryAt: null,
    ...withInternal(context, { pending: null }),
  };
}

/** Milliseconds until the planned retry, or until the refresh token expires if that is sooner. */
export function backoffDelayMs(context: UpstreamContext): number {
  const now = context.env.now();
  const expiresAt = context.record?.tokens ? context.record.refresh_expires_at : null;
  const at = Math.min(context.nextRetryAt ?? now, expiresAt ?? Infinity);
  return clampDelay(at - now);
}

/** The health detail of a server parked because its refresh token ran out (SPEC §3a). */
export function refreshExpiredReason(record: TokenRecord | null): string {
  const at = record?.refresh_expires_at;
  return at === null || at === undefined
    ? 'Refresh token expired - login required'
    : `Refresh token expired on ${isoSeconds(at)} - login required`;
}

/**
 * The health detail of a server whose client the token endpoint rejected (`invalid_client`): a
 * dynamic registration is re-registered by the next login; a configured client must be fixed.
 */
export function clientRejectedReason(context: UpstreamContext): string {
  const login = `mcpproxy auth login --server ${context.entry.name}`;
  return context.entry.oauth?.client_id
    ? 'The authorization server rejected the configured OAuth client (invalid_client) - check ' +
        `oauth.client_id and oauth.client_secret in the config, then log in again: ${login}`
    : "The authorization server no longer knows mcpproxy's client registration (invalid_client) " +
        `- log in again to register anew: ${login}`;
}

/** The health detail of a server parked by a dead grant at the token endpoint (a refresh). */
export function deadGrantReason(context: UpstreamContext, failure: ClassifiedFailure): string {
  return failure.clientRejected === true
    ? clientRejectedReason(context)
    : `Refresh token rejected (${failure.message}) - login required`;
}

/** The health detail of a server whose login failed. */
export function loginFailedReason(context: UpstreamContext, failure: ClassifiedFailure): string {
  return failure.clientRejected === true
    ? clientRejectedReason(context)
    : `Login failed: ${failure.message}`;
}

/**
 * The client_id the next login must not reuse after `failure`: the stored dynamic registration
 * when the token endpoint rejected the client (a configured client is never re-registered).
 */
export function rejectedClientAfter(
  context: UpstreamContext,
  failure: ClassifiedFailure,
): string | null {
  const stored = context.record?.registration?.client_id;
  if (failure.clientRejected !== true || context.entry.oauth?.client_id || !stored) {
    return context.internal.rejectedClientId;
  }
  return stored;
}

/**
 * The record to commit after the token endpoint refused the grant of `context.record`: the same
 * tokens with the outcome (SPEC §1: refresh outcomes are persisted), so that a restart, another
 * replica and a standalone `auth status` or `auth login` know them dead. Null when there is no
 * stored record to note it in.
 */
export function withDeadGrant(
  context: UpstreamContext,
  failure: ClassifiedFailure,
): TokenRecord | null {
  const record = context.record;
  if (!record?.tokens || record.generation < 1) return null;
  const clientId = context.entry.oauth?.client_id ?? record.registration?.client_id;
  const outcome: RefreshOutcome = {
    result: 'failed_invalid_grant',
    at: context.env.now(),
    error: failure.message,
    ...(context.flow ? { correlation_id: context.flow.correlationId } : {}),
    ...(failure.clientRejected === true && clientId ? { rejected_client_id: clientId } : {}),
  };
  return { ...record, last_refresh: outcome };
}

/** The park reason of a server whose stored tokens were found dead (`deadGrantOf`). */
export function storedDeadGrantReason(context: UpstreamContext, outcome: RefreshOutcome): string {
  return deadGrantReason(context, {
    result: 'failed_invalid_grant',
    message: outcome.error ?? 'The token endpoint refused the grant',
    clientRejected: outcome.rejected_client_id !== undefined,
  });
}

/**
 * The last refresh result a new actor starts from: a stored failure still holds; a stored
 * success says nothing about this process's first answer from the upstream (a 401 at connect
 * is worth a refresh: `mayRefreshForConnect`).
 */
export function storedResult(record: TokenRecord | null): RefreshResult | null {
  const result = record?.last_refresh?.result;
  return result === undefined || result === 'success' ? null : result;
}

/**
 * The dynamically registered client_id a stored outcome says the token endpoint rejected, while
 * it is still the stored registration (a configured client is never re-registered).
 */
export function storedRejectedClient(
  entry: { oauth: { client_id?: string | null } | null },
  record: TokenRecord | null,
): string | null {
  const rejected = record?.last_refresh?.rejected_client_id;
  if (!rejected || entry.oauth?.client_id) return null;
  return record?.registration?.client_id === rejected ? rejected : null;
}

/** Whether a change seen in the store removed the tokens this actor still holds (a logout). */
export function loggedOutElsewhere(
  incoming: TokenRecord | null,
  current: TokenRecord | null,
): boolean {
  return isNewer(incoming, current) && !incoming?.tokens && Boolean(current?.tokens);
}

/** A jitter fraction as the machine accepts it: 0 ≤ j ≤ 0.05 (anything else is 0). */
export function clampJitter(jitter: unknown): number {
  return typeof jitter === 'number' && Number.isFinite(jitter)
    ? Math.min(Math.max(jitter, 0), 0.05)
    : 0;
}

/** Milliseconds until the access token expires (a timer-sized maximum when it never does). */
export function accessTokenExpiryMs(context: UpstreamContext): number {
  const expiresAt = context.record?.expires_at;
  if (expiresAt === null || expiresAt === undefined) return MAX_TIMER_MS;
  return clampDelay(expiresAt - context.env.now());
}

/**
 * How long before its access token expires a login on a working server gives way to the
 * refresh the token needs: the flow waits for a person, the server's calls must not.
 */
export const LOGIN_YIELDS_BEFORE_EXPIRY_MS = 15_000;

/** Delay until a login on a working server must give way to a refresh (see above). */
export function loginYieldDelayMs(context: UpstreamContext): number {
  const expiresAt = context.record?.expires_at;
  if (expiresAt === null || expiresAt === undefined) return MAX_TIMER_MS;
  return clampDelay(expiresAt - LOGIN_YIELDS_BEFORE_EXPIRY_MS - context.env.now());
}

/** Whether the record holds an access token that has not expired. */
export function hasUsableAccessToken(record: TokenRecord | null, now: number): boolean {
  return Boolean(record?.tokens?.access_token) && !accessExpired(record, now);
}

/** Whether the record holds a refresh token. */
export function hasRefreshToken(record: TokenRecord | null): boolean {
  return Boolean(record?.tokens?.refresh_token);
}

/** Whether `incoming` is a newer generation than what the actor holds. */
export function isNewer(incoming: TokenRecord | null, current: TokenRecord | null): boolean {
  if (!incoming) return current !== null;
  return incoming.generation > (current?.generation ?? 0);
}
