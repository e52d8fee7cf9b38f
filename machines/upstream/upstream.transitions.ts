/**
 * @module Transition fragments the upstream statechart uses in several states (upstream.machine.ts):
 * parking for the failure classes, adopting records committed elsewhere, commit failures and the
 * shape of a `refreshing` state.
 */
import { deadGrantReason, failureOf, refreshExpiredReason } from './upstream.logic.js';
import { LOGGED_OUT_ELSEWHERE } from './upstream.setup.js';
import type { ConnectOutput, RefreshOutput, UpstreamContext } from './upstream.types.js';

/** Parks the server because the refresh token's own lifetime has passed (no request is made). */
export function refreshExpiredActions() {
  return {
    type: 'park' as const,
    params: ({ context }: { context: UpstreamContext }) => ({
      reason: refreshExpiredReason(context.record),
    }),
  };
}

/**
 * When a planned refresh comes due (`refreshDelay`): park if the refresh token itself expired,
 * refresh if the minimum interval allows, else wait again in `waitState`.
 */
export function refreshDueTransitions(waitState: 'refreshPending' | 'refreshScheduled') {
  return [
    {
      guard: 'refreshTokenExpired' as const,
      target: '#upstream.loginRequired',
      actions: refreshExpiredActions(),
    },
    { guard: 'refreshDue' as const, target: 'refreshing' },
    { target: waitState, reenter: true },
  ];
}

/**
 * The connection was lost (`upstream.disconnected`). A session the server ended (HTTP 404 to a
 * request with its id) is replaced at once, as the MCP spec asks of a client, unless the server
 * was already failing; anything else is retried after the backoff.
 */
export function disconnectedTransitions() {
  const error = ({ event }: { event: { error: string } }) => ({ error: event.error });
  return [
    {
      guard: {
        type: 'sessionEndedByServer' as const,
        params: ({ event }: { event: { sessionExpired?: boolean } }) => ({
          sessionExpired: event.sessionExpired === true,
        }),
      },
      target: '#upstream.connecting',
      actions: { type: 'noteSessionEnded' as const, params: error },
    },
    { target: '#upstream.retrying', actions: { type: 'recordFailure' as const, params: error } },
  ];
}

/** Another process logged the server out (its tokens are gone from the store): park here too. */
export function loggedOutElsewhereActions() {
  return [
    {
      type: 'assignRecord' as const,
      params: ({ event }: { event: { record: UpstreamContext['record'] } }) => ({
        record: event.record,
      }),
    },
    { type: 'park' as const, params: { reason: LOGGED_OUT_ELSEWHERE } },
  ];
}

/**
 * The refresh found the server logged out by another process (a newer record without tokens)
 * before redeeming anything: park, as `token.external` would, and count no refresh outcome.
 */
export function adoptedLogoutTransition() {
  return {
    guard: {
      type: 'adoptedLogout' as const,
      params: ({ event }: { event: { output: RefreshOutput } }) => ({ output: event.output }),
    },
    target: '#upstream.loginRequired',
    actions: [
      {
        type: 'assignRecord' as const,
        params: ({ event }: { event: { output: RefreshOutput } }) => ({
          record: event.output.record,
        }),
      },
      { type: 'park' as const, params: { reason: LOGGED_OUT_ELSEWHERE } },
      'reportOutcome' as const,
    ],
  };
}

/**
 * Parks with a refusal that another process noted beside these tokens (a newer record whose
 * `last_refresh` is a dead grant): takes that record, then parks with its reason, as the refusal
 * parked that process, instead of spending the dead refresh token here too. No refresh outcome
 * is counted: this process redeemed nothing.
 */
function parkOnNotedRefusal<E>(
  guard: 'refusedElsewhere' | 'adoptedRefusal',
  recordOf: (event: E) => UpstreamContext['record'],
) {
  const record = ({ event }: { event: E }) => ({ record: recordOf(event) });
  return {
    guard: { type: guard, params: record },
    target: '#upstream.loginRequired',
    actions: [{ type: 'assignRecord' as const, params: record }, 'parkStoredDeadGrant' as const],
  };
}

/** The note reached this process through the store's watch (`token.external`). */
export function refusedElsewhere() {
  return parkOnNotedRefusal(
    'refusedElsewhere',
    (event: { record: UpstreamContext['record'] }) => event.record,
  );
}

/** The refresh found the note in the store before redeeming anything (`refresh.done`, adopted). */
export function adoptedRefusalTransition() {
  return parkOnNotedRefusal('adoptedRefusal', (event: { output: RefreshOutput }) =>
    event.output.kind === 'adopted' ? event.output.record : null,
  );
}

/** Takes a newer stored record as data only (no state change). */
export function adoptQuietly() {
  return {
    guard: {
      type: 'isNewer' as const,
      params: ({ event }: { event: { record: UpstreamContext['record'] } }) => ({
        record: event.record,
      }),
    },
    actions: {
      type: 'assignRecord' as const,
      params: ({ event }: { event: { record: UpstreamContext['record'] } }) => ({
        record: event.record,
      }),
    },
  };
}

export function connectedActions() {
  return [
    {
      type: 'assignSession' as const,
      params: ({ event }: { event: { output: ConnectOutput } }) => ({ output: event.output }),
    },
    'startSession' as const,
  ];
}

export function deadGrantActions() {
  return [
    {
      type: 'noteDeadGrant' as const,
      params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
    },
    {
      type: 'noteRejectedClient' as const,
      params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
    },
    {
      type: 'recordDeadGrant' as const,
      params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
    },
    {
      type: 'park' as const,
      params: ({ context, event }: { context: UpstreamContext; event: { error: unknown } }) => ({
        reason: deadGrantReason(context, failureOf(event.error)),
      }),
    },
    'reportOutcome' as const,
  ];
}

/** A persist failure: a newer record committed elsewhere is a lost race (adopt it), else a failure. */
export function persistFailed(failureTarget: string, successTarget: string) {
  const current = ({ event }: { event: { current: UpstreamContext['record'] } }) => ({
    current: event.current,
  });
  return [
    // Another replica's note that the redeemed token was refused: this refresh's new token wins.
    {
      guard: { type: 'lostToRefusalNote' as const, params: current },
      actions: { type: 'reissuePending' as const, params: current },
    },
    {
      guard: {
        type: 'lostRaceToLogout' as const,
        params: current,
      },
      target: '#upstream.loginRequired',
      actions: [
        {
          type: 'assignRecord' as const,
          params: ({ event }: { event: { current: UpstreamContext['record'] } }) => ({
            record: event.current,
          }),
        },
        { type: 'park' as const, params: { reason: LOGGED_OUT_ELSEWHERE } },
        'reportOutcome' as const,
      ],
    },
    {
      guard: {
        type: 'lostRaceToNewer' as const,
        params: current,
      },
      target: successTarget,
      actions: [
        {
          type: 'adoptRecord' as const,
          params: ({ event }: { event: { current: UpstreamContext['record'] } }) => ({
            record: event.current,
          }),
        },
        'reportOutcome' as const,
      ],
    },
    {
      target: failureTarget,
      actions: [
        {
          type: 'recordFailure' as const,
          params: ({ event }: { event: { error: string } }) => ({
            error: { result: 'failed_other', message: `Token store unavailable: ${event.error}` },
          }),
        },
        'reportOutcome' as const,
      ],
    },
  ];
}

/** The refreshing leaf shared by authenticated and degraded (same rules, different exits). */
export function refreshingState(successTarget: string, transientTarget: string) {
  return {
    entry: ['beginRefresh' as const, 'runRefresh' as const],
    exit: 'cancelRefresh' as const,
    on: {
      'refresh.done': [
        adoptedLogoutTransition(),
        adoptedRefusalTransition(),
        {
          guard: {
            type: 'wasAdopted' as const,
            params: ({ event }: { event: { output: RefreshOutput } }) => ({ output: event.output }),
          },
          target: successTarget,
          actions: [
            {
              type: 'adoptRecord' as const,
              params: ({ event }: { event: { output: RefreshOutput } }) => ({
                record: event.output.record,
              }),
            },
            'reportOutcome' as const,
          ],
        },
        {
          actions: [
            {
              type: 'issueRefreshed' as const,
              params: ({ event }: { event: { output: RefreshOutput } }) => ({
                output: event.output,
              }),
            },
            'reportOutcome' as const,
          ],
        },
      ],
      'refresh.failed': [
        {
          guard: {
            type: 'isDeadGrant' as const,
            params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
          },
          target: '#upstream.loginRequired',
          actions: deadGrantActions(),
        },
        {
          guard: 'refreshTokenExpired' as const,
          target: '#upstream.loginRequired',
          actions: [refreshExpiredActions(), 'reportOutcome' as const],
        },
        {
          guard: 'accessExpiredNow' as const,
          target: '#upstream.retrying',
          actions: [
            {
              type: 'recordFailure' as const,
              params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
            },
            'reportOutcome' as const,
          ],
        },
        {
          target: transientTarget,
          reenter: true,
          actions: [
            {
              type: 'recordFailure' as const,
              params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
            },
            'reportOutcome' as const,
          ],
        },
      ],
      'upstream.unauthorized': {},
      'token.persisted': {
        target: successTarget,
        actions: {
          type: 'adoptRecord' as const,
          params: ({ event }: { event: { record: UpstreamContext['record'] } }) => ({
            record: event.record,
          }),
        },
      },
      'token.persist_failed': persistFailed(transientTarget, successTarget),
    },
  };
}
