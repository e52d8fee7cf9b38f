/**
 * @module The upstream statechart's named implementations (SPEC §4): its types, the injected
 * actors' placeholders, the named delays, guards and actions. The statechart itself, which names
 * them, is upstream.machine.ts.
 */
import {
  assign,
  emit,
  enqueueActions,
  type EventObject,
  fromCallback,
  fromPromise,
  not,
  sendTo,
  setup,
  spawnChild,
  stateIn,
} from 'xstate';
import { refresherLogic, type RefresherCommand } from './refresher.js';
import { deadGrantOf, type TokenRecord } from './token-record.js';
import type { UpstreamEmitted, UpstreamEvent, UpstreamToParent } from './upstream.events.js';
import { upstreamGuards } from './upstream.guards.js';
import {
  accessTokenExpiryMs,
  afterFailure,
  backoffDelayMs,
  clampJitter,
  failureOf,
  loginYieldDelayMs,
  refreshDelayMs,
  parked,
  rejectedClientAfter,
  storedDeadGrantReason,
  storedRejectedClient,
  withDeadGrant,
  withInternal,
} from './upstream.logic.js';
import type {
  ConnectInput,
  ConnectOutput,
  LoginInput,
  LoginOutput,
  RefreshInput,
  RefreshOutput,
  UpstreamContext,
  UpstreamInput,
  UpstreamSession,
} from './upstream.types.js';

/** The health detail of a server logged out by another process (SPEC §3a). */
export const LOGGED_OUT_ELSEWHERE = 'Logged out by another process - login required';

/** A flow may run at most this long before it fails back to loginRequired (SPEC §3). */
export const LOGIN_TIMEOUT_MS = 5 * 60_000;

/** Placeholder logic: services/ provides the real actor; running without it fails loudly. */
function notProvided<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`The "${name}" actor must be provided by services/ (machine.provide).`);
  });
}

export const upstreamSetup = setup({
  types: {
    context: {} as UpstreamContext,
    events: {} as UpstreamEvent,
    input: {} as UpstreamInput,
    emitted: {} as UpstreamEmitted,
  },
  actors: {
    connect: notProvided<ConnectOutput, ConnectInput>('connect'),
    refresh: notProvided<RefreshOutput, RefreshInput>('refresh'),
    login: notProvided<LoginOutput, LoginInput>('login'),
    /** Owns a live session while the server is usable; services/ closes it on stop. */
    session: fromCallback<EventObject, { session: UpstreamSession }>(() => undefined),
    /** Runs the provided `refresh` logic, one attempt per `refreshing` (machines/upstream/refresher.ts). */
    refresher: refresherLogic,
  },
  delays: {
    refreshDelay: ({ context }) => refreshDelayMs(context),
    backoffDelay: ({ context }) => backoffDelayMs(context),
    accessTokenExpiry: ({ context }) => accessTokenExpiryMs(context),
    loginYield: ({ context }) => loginYieldDelayMs(context),
    loginTimeout: LOGIN_TIMEOUT_MS,
  },
  guards: {
    ...upstreamGuards,
    notRefreshing: not(stateIn({ degraded: 'refreshing' })),
  },
  actions: {
    /** On every transition of `refresh.done`, `refresh.failed` and a refresh's `token.persist_failed`. */
    reportOutcome: emit(({ event }) => ({ type: 'refresh.outcome' as const, event })),
    stopSession: enqueueActions(({ enqueue }) => {
      enqueue.stopChild('session');
      enqueue.assign({ session: null, tools: [] });
    }),
    assignSession: assign(({ context }, params: { output: ConnectOutput }) => ({
      session: params.output.session,
      tools: params.output.tools,
      failures: 0,
      nextRetryAt: null,
      lastError: null,
      loginReason: null,
      oauthError: null,
      ...withInternal(context, { retryAfterMs: null, recordError: null }),
    })),
    startSession: spawnChild('session', {
      id: 'session',
      input: ({ context }) => ({ session: context.session! }),
    }),
    requestRefreshNow: assign(({ context }) => withInternal(context, { refreshNow: true })),
    runRefresh: sendTo(
      'refresher',
      ({ context }) =>
        ({
          type: 'refresh.run' as const,
          input: refreshInput(context),
        }) satisfies RefresherCommand,
    ),
    cancelRefresh: sendTo('refresher', { type: 'refresh.cancel' } satisfies RefresherCommand),
    beginRefresh: assign(({ context }) => ({
      ...withInternal(context, { refreshNow: false, lastAttemptAt: context.env.now() }),
      flow: {
        kind: 'refresh' as const,
        correlationId: context.env.newId(),
        authUrl: null,
        startedAt: context.env.now(),
      },
    })),
    issueRefreshed: enqueueActions(({ context, enqueue }, params: { output: RefreshOutput }) => {
      const { output } = params;
      // The new tokens carry the refresh's outcome (SPEC §1), replacing any earlier one.
      const record: TokenRecord =
        output.kind === 'issued'
          ? {
              ...output.record,
              last_refresh: {
                result: 'success',
                at: context.env.now(),
                ...(context.flow ? { correlation_id: context.flow.correlationId } : {}),
              },
            }
          : output.record;
      enqueue.assign(withInternal(context, { pending: record }));
      enqueue.sendParent({
        type: 'token.issued',
        name: context.entry.name,
        kind: 'refresh',
        record,
        expectedGeneration: output.kind === 'issued' ? output.redeemedGeneration : null,
        correlationId: context.flow?.correlationId ?? '',
      } satisfies UpstreamToParent);
    }),
    /** Commits the held refreshed token again, over the record that won the race. */
    reissuePending: enqueueActions(
      ({ context, enqueue }, params: { current: UpstreamContext['record'] }) => {
        const { pending } = context.internal;
        if (!pending || !params.current) return;
        enqueue.sendParent({
          type: 'token.issued',
          name: context.entry.name,
          kind: 'refresh',
          record: pending,
          expectedGeneration: params.current.generation,
          correlationId: context.flow?.correlationId ?? '',
        } satisfies UpstreamToParent);
      },
    ),
    /**
     * Notes in the store that the token endpoint refused the held tokens' grant (SPEC §1: refresh
     * outcomes are persisted): compare-and-swap on the held generation, so a login or rotation
     * committed meanwhile wins. The answer only updates the held record (`token.persisted` at
     * the root); a lost race is dropped.
     */
    recordDeadGrant: enqueueActions(({ context, enqueue }, params: { error: unknown }) => {
      const record = withDeadGrant(context, failureOf(params.error));
      if (!record) return;
      enqueue.sendParent({
        type: 'token.issued',
        name: context.entry.name,
        kind: 'outcome',
        record,
        expectedGeneration: record.generation,
        correlationId: context.flow?.correlationId ?? '',
      } satisfies UpstreamToParent);
    }),
    /** Parks a server whose stored tokens were refused, as the refusal itself parked it. */
    parkStoredDeadGrant: assign(({ context }) => {
      const outcome = deadGrantOf(context.record)!;
      const rejectedClientId =
        storedRejectedClient(context.entry, context.record) ?? context.internal.rejectedClientId;
      return {
        ...parked(
          { ...context, internal: { ...context.internal, rejectedClientId } },
          {
            reason: storedDeadGrantReason(context, outcome),
          },
        ),
        lastResult: 'failed_invalid_grant' as const,
        lastError: outcome.error ?? null,
      };
    }),
    adoptRecord: assign(({ context }, params: { record: UpstreamContext['record'] }) => ({
      record: params.record,
      flow: null,
      failures: 0,
      nextRetryAt: null,
      lastError: null,
      lastResult: 'success' as const,
      loginReason: null,
      oauthError: null,
      // A committed record came from a token endpoint that accepted its client.
      ...withInternal(context, {
        pending: null,
        retryAfterMs: null,
        recordError: null,
        rejectedClientId: null,
      }),
    })),
    assignRecord: assign((_, params: { record: UpstreamContext['record'] }) => ({
      record: params.record,
    })),
    noteSessionEnded: assign((_, params: { error: string }) => ({ lastError: params.error })),
    /** A login that failed on a server that keeps its tokens: said, not parked. */
    noteLoginFailed: assign((_, params: { reason: string }) => ({
      lastError: params.reason,
      loginError: params.reason,
      flow: null,
    })),
    recordFailure: assign(({ context }, params: { error: unknown }) =>
      afterFailure(context, failureOf(params.error)),
    ),
    park: assign(({ context }, params: { reason: string; oauthError?: boolean }) =>
      parked(context, params),
    ),
    noteDeadGrant: assign((_, params: { error: unknown }) => ({
      lastResult: 'failed_invalid_grant' as const,
      lastError: failureOf(params.error).message,
    })),
    /** After `invalid_client`: the next login must not reuse the stale dynamic registration. */
    noteRejectedClient: assign(({ context }, params: { error: unknown }) =>
      withInternal(context, {
        rejectedClientId: rejectedClientAfter(context, failureOf(params.error)),
      }),
    ),
    beginLogin: assign(({ context }) => ({
      loginError: null,
      flow: {
        kind: 'login' as const,
        correlationId: context.env.newId(),
        authUrl: null,
        startedAt: context.env.now(),
      },
    })),
    assignAuthUrl: assign(({ context }, params: { authUrl: string }) => ({
      flow: context.flow ? { ...context.flow, authUrl: params.authUrl } : null,
    })),
    issueRecord: enqueueActions(
      ({ context, enqueue }, params: { record: TokenRecord; kind: 'login' | 'registration' }) => {
        // A login's new tokens replace whatever was noted of the old ones' refreshes.
        const record =
          params.kind === 'login' ? { ...params.record, last_refresh: null } : params.record;
        if (params.kind === 'login') enqueue.assign(withInternal(context, { pending: record }));
        enqueue.sendParent({
          type: 'token.issued',
          name: context.entry.name,
          kind: params.kind,
          record,
          expectedGeneration: null,
          correlationId: context.flow?.correlationId ?? '',
        } satisfies UpstreamToParent);
      },
    ),
    clearTokens: enqueueActions(({ context, enqueue }) => {
      enqueue.sendParent({
        type: 'token.cleared',
        name: context.entry.name,
        serverKey: context.serverKey,
        generation: context.record?.generation ?? null,
      } satisfies UpstreamToParent);
      enqueue.assign({
        record: context.record
          ? {
              ...context.record,
              tokens: null,
              issued_at: null,
              expires_at: null,
              refresh_expires_at: null,
            }
          : null,
        ...withInternal(context, { pending: null }),
      });
    }),
    noteStepUp: assign(({ context }, params: { scopes: string[] }) => ({
      stepUpScopes: [...new Set([...context.stepUpScopes, ...params.scopes])],
    })),
    assignTools: assign((_, params: { tools: UpstreamContext['tools'] }) => ({
      tools: params.tools,
    })),
    assignEntry: assign(({ context }, params: { entry: UpstreamContext['entry'] }) => ({
      entry: params.entry,
      // As at start: an `oauth` block, or tokens or a registration stored for the server (most
      // servers need no block; their OAuth was learnt from a 401 and is in the record).
      oauth:
        params.entry.oauth !== null ||
        Boolean(context.record?.tokens || context.record?.registration),
    })),
    setEnabled: assign(({ context }, params: { enabled: boolean }) => ({
      entry: { ...context.entry, enabled: params.enabled },
    })),
    resetFailures: assign(({ context }) => ({
      failures: 0,
      nextRetryAt: null,
      ...withInternal(context, { retryAfterMs: null }),
    })),
    assignJitter: assign((_, params: { jitter: unknown }) => ({
      jitter: clampJitter(params.jitter),
    })),
    assignStoreAvailable: assign((_, params: { available: boolean }) => ({
      storeAvailable: params.available,
    })),
  },
});

/** The input of a refresh attempt, from the context. */
function refreshInput(context: UpstreamContext): RefreshInput {
  return {
    entry: context.entry,
    serverKey: context.serverKey,
    record: context.record!,
    correlationId: context.flow?.correlationId ?? '',
    attempt: context.failures,
  };
}
