/**
 * @module The upstream statechart's named guards (registered in upstream.setup.ts): pure reads of
 * the context and of the params a transition passes. `notRefreshing`, built from XState's
 * `stateIn`, stays in the setup.
 */
import { deadGrantOf } from './token-record.js';
import { accessExpired, refreshTokenExpired } from './timing.js';
import {
  failureOf,
  hasRefreshToken,
  hasUsableAccessToken,
  isNewer,
  loginYieldDelayMs,
  loggedOutElsewhere,
  refreshIsDue,
} from './upstream.logic.js';
import type { RefreshOutput, UpstreamContext } from './upstream.types.js';

/** What a guard reads of the snapshot. */
type Args = { context: UpstreamContext };

export const upstreamGuards = {
  isDisabled: ({ context }: Args) => !context.entry.enabled,
  recordCorrupt: ({ context }: Args) => context.internal.recordError !== null,
  /** The stored tokens' grant was refused (here, by another replica, or before a restart). */
  deadGrantStored: ({ context }: Args) => deadGrantOf(context.record) !== null,
  refusedElsewhere: ({ context }: Args, params: { record: UpstreamContext['record'] }) =>
    isNewer(params.record, context.record) && deadGrantOf(params.record) !== null,
  /** The server ended a healthy session: replace it at once rather than after a backoff. */
  sessionEndedByServer: ({ context }: Args, params: { sessionExpired: boolean }) =>
    params.sessionExpired && context.failures === 0,
  usesOAuth: ({ context }: Args) => context.oauth,
  refreshTokenExpired: ({ context }: Args) =>
    refreshTokenExpired(context.record, context.env.now()),
  accessExpiredWithRefresh: ({ context }: Args) =>
    context.oauth &&
    hasRefreshToken(context.record) &&
    (accessExpired(context.record, context.env.now()) || !context.record?.tokens?.access_token),
  oauthWithoutUsableToken: ({ context }: Args) =>
    context.oauth && !hasUsableAccessToken(context.record, context.env.now()),
  noRefreshToken: ({ context }: Args) => !hasRefreshToken(context.record),
  accessExpiredNow: ({ context }: Args) => accessExpired(context.record, context.env.now()),
  refreshDue: ({ context }: Args) => refreshIsDue(context),
  wasAdopted: (_: Args, params: { output: RefreshOutput }) => params.output.kind === 'adopted',
  /** The record a refresh adopted (null when it redeemed) notes a refusal. */
  adoptedRefusal: (_: Args, params: { record: UpstreamContext['record'] }) =>
    deadGrantOf(params.record) !== null,
  adoptedLogout: (_: Args, params: { output: RefreshOutput }) =>
    params.output.kind === 'adopted' && !params.output.record.tokens,
  isDeadGrant: (_: Args, params: { error: unknown }) =>
    failureOf(params.error).result === 'failed_invalid_grant',
  isUnauthorized: (_: Args, params: { error: unknown }) =>
    failureOf(params.error).unauthorized === true,
  isOAuthError: (_: Args, params: { error: unknown }) =>
    failureOf(params.error).oauthError === true,
  mayRefreshForConnect: ({ context }: Args, params: { error: unknown }) =>
    failureOf(params.error).unauthorized === true &&
    context.oauth &&
    hasRefreshToken(context.record) &&
    (context.lastResult !== 'success' || accessExpired(context.record, context.env.now())),
  loginWanted: ({ context }: Args, params: { force: boolean }) =>
    params.force ||
    context.stepUpScopes.length > 0 ||
    !hasUsableAccessToken(context.record, context.env.now()),
  /**
   * The failed login was started on a server that was not parked (a forced re-login, a scope
   * step-up) and still holds tokens: it goes back to them instead of parking.
   */
  loginWasOptional: ({ context }: Args) =>
    context.loginReason === null && Boolean(context.record?.tokens),
  /**
   * A login on a working server has run until its access token is about to expire, and a
   * refresh token can renew it: the login gives way (timer clamps make the time check needed).
   */
  loginMustYield: ({ context }: Args) =>
    context.loginReason === null &&
    hasRefreshToken(context.record) &&
    loginYieldDelayMs(context) === 0,
  /**
   * The commit of a refreshed token lost to another replica's note that the same refresh token
   * was refused (its refresh raced this one's after the lease ran out): the note is older news
   * than the tokens this refresh holds.
   */
  lostToRefusalNote: ({ context }: Args, params: { current: UpstreamContext['record'] }) =>
    context.internal.pending !== null &&
    deadGrantOf(params.current) !== null &&
    params.current?.tokens?.refresh_token === context.record?.tokens?.refresh_token,
  // `current` is null also when the store failed: only a stored record without tokens is a logout.
  lostRaceToLogout: ({ context }: Args, params: { current: UpstreamContext['record'] }) =>
    params.current !== null && loggedOutElsewhere(params.current, context.record),
  lostRaceToNewer: ({ context }: Args, params: { current: UpstreamContext['record'] }) =>
    isNewer(params.current, context.record) &&
    hasUsableAccessToken(params.current, context.env.now()),
  // New tokens (a login elsewhere), not the held ones written again with a note (an outcome,
  // a registration): those would only be refused again.
  externalUsable: ({ context }: Args, params: { record: UpstreamContext['record'] }) =>
    isNewer(params.record, context.record) &&
    Boolean(params.record?.tokens?.access_token) &&
    params.record?.tokens?.access_token !== context.record?.tokens?.access_token &&
    deadGrantOf(params.record) === null,
  /** The answer is the commit of the login's own token (not of its earlier registration). */
  loginPersisted: ({ context }: Args, params: { record: UpstreamContext['record'] }) =>
    context.internal.pending !== null &&
    Boolean(params.record?.tokens?.access_token) &&
    params.record?.tokens?.access_token === context.internal.pending.tokens?.access_token,
  isNewer: ({ context }: Args, params: { record: UpstreamContext['record'] }) =>
    isNewer(params.record, context.record),
  loggedOutElsewhere: ({ context }: Args, params: { record: UpstreamContext['record'] }) =>
    loggedOutElsewhere(params.record, context.record),
};
