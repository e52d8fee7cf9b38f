/**
 * @module The upstream statechart (SPEC §4): one actor per upstream server; its state *is* the
 * connection. Pure: I/O arrives as the injected actors `connect`, `refresh`, `login`, `session`.
 */
import {
  assign,
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
import { providedRefresh, refresherLogic, type RefresherCommand } from './refresher.js';
import type { TokenRecord } from './token-record.js';
import { accessExpired, refreshTokenExpired } from './timing.js';
import type { UpstreamEvent, UpstreamToParent } from './upstream.events.js';
import {
  accessTokenExpiryMs,
  afterFailure,
  backoffDelayMs,
  clampJitter,
  failureOf,
  hasRefreshToken,
  hasUsableAccessToken,
  isNewer,
  loggedOutElsewhere,
  refreshDelayMs,
  refreshExpiredReason,
  refreshIsDue,
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

export const upstreamMachine = setup({
  types: {
    context: {} as UpstreamContext,
    events: {} as UpstreamEvent,
    input: {} as UpstreamInput,
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
    loginTimeout: LOGIN_TIMEOUT_MS,
  },
  guards: {
    isDisabled: ({ context }) => !context.entry.enabled,
    recordCorrupt: ({ context }) => context.internal.recordError !== null,
    usesOAuth: ({ context }) => context.oauth,
    refreshTokenExpired: ({ context }) => refreshTokenExpired(context.record, context.env.now()),
    accessExpiredWithRefresh: ({ context }) =>
      context.oauth &&
      hasRefreshToken(context.record) &&
      (accessExpired(context.record, context.env.now()) || !context.record?.tokens?.access_token),
    oauthWithoutUsableToken: ({ context }) =>
      context.oauth && !hasUsableAccessToken(context.record, context.env.now()),
    noRefreshToken: ({ context }) => !hasRefreshToken(context.record),
    accessExpiredNow: ({ context }) => accessExpired(context.record, context.env.now()),
    refreshDue: ({ context }) => refreshIsDue(context),
    wasAdopted: (_, params: { output: RefreshOutput }) => params.output.kind === 'adopted',
    adoptedLogout: (_, params: { output: RefreshOutput }) =>
      params.output.kind === 'adopted' && !params.output.record.tokens,
    isDeadGrant: (_, params: { error: unknown }) =>
      failureOf(params.error).result === 'failed_invalid_grant',
    isUnauthorized: (_, params: { error: unknown }) =>
      failureOf(params.error).unauthorized === true,
    isOAuthError: (_, params: { error: unknown }) => failureOf(params.error).oauthError === true,
    mayRefreshForConnect: ({ context }, params: { error: unknown }) =>
      failureOf(params.error).unauthorized === true &&
      context.oauth &&
      hasRefreshToken(context.record) &&
      (context.lastResult !== 'success' || accessExpired(context.record, context.env.now())),
    loginWanted: ({ context }, params: { force: boolean }) =>
      params.force || !hasUsableAccessToken(context.record, context.env.now()),
    // `current` is null also when the store failed: only a stored record without tokens is a logout.
    lostRaceToLogout: ({ context }, params: { current: UpstreamContext['record'] }) =>
      params.current !== null && loggedOutElsewhere(params.current, context.record),
    lostRaceToNewer: ({ context }, params: { current: UpstreamContext['record'] }) =>
      isNewer(params.current, context.record) &&
      hasUsableAccessToken(params.current, context.env.now()),
    externalUsable: ({ context }, params: { record: UpstreamContext['record'] }) =>
      isNewer(params.record, context.record) && Boolean(params.record?.tokens?.access_token),
    notRefreshing: not(stateIn({ degraded: 'refreshing' })),
    /** The answer is the commit of the login's own token (not of its earlier registration). */
    loginPersisted: ({ context }, params: { record: UpstreamContext['record'] }) =>
      context.internal.pending !== null &&
      Boolean(params.record?.tokens?.access_token) &&
      params.record?.tokens?.access_token === context.internal.pending.tokens?.access_token,
    isNewer: ({ context }, params: { record: UpstreamContext['record'] }) =>
      isNewer(params.record, context.record),
    loggedOutElsewhere: ({ context }, params: { record: UpstreamContext['record'] }) =>
      loggedOutElsewhere(params.record, context.record),
  },
  actions: {
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
      enqueue.assign(withInternal(context, { pending: params.output.record }));
      enqueue.sendParent({
        type: 'token.issued',
        name: context.entry.name,
        kind: 'refresh',
        record: params.output.record,
        expectedGeneration:
          params.output.kind === 'issued' ? params.output.redeemedGeneration : null,
        correlationId: context.flow?.correlationId ?? '',
      } satisfies UpstreamToParent);
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
      ...withInternal(context, { pending: null, retryAfterMs: null, recordError: null }),
    })),
    assignRecord: assign((_, params: { record: UpstreamContext['record'] }) => ({
      record: params.record,
    })),
    recordFailure: assign(({ context }, params: { error: unknown }) =>
      afterFailure(context, failureOf(params.error)),
    ),
    park: assign(({ context }, params: { reason: string; oauthError?: boolean }) => ({
      loginReason: params.reason,
      oauthError: params.oauthError ? params.reason : null,
      oauth: true,
      flow: null,
      failures: 0,
      nextRetryAt: null,
      ...withInternal(context, { pending: null }),
    })),
    noteDeadGrant: assign((_, params: { error: unknown }) => ({
      lastResult: 'failed_invalid_grant' as const,
      lastError: failureOf(params.error).message,
    })),
    beginLogin: assign(({ context }) => ({
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
        if (params.kind === 'login')
          enqueue.assign(withInternal(context, { pending: params.record }));
        enqueue.sendParent({
          type: 'token.issued',
          name: context.entry.name,
          kind: params.kind,
          record: params.record,
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
    assignEntry: assign((_, params: { entry: UpstreamContext['entry'] }) => ({
      entry: params.entry,
      oauth: params.entry.oauth !== null,
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
}).createMachine({
  id: 'upstream',
  context: ({ input }) => ({
    entry: input.entry,
    serverKey: input.serverKey,
    settings: input.settings,
    jitter: clampJitter(input.jitter),
    env: input.env,
    oauth:
      input.entry.oauth !== null || Boolean(input.record?.tokens || input.record?.registration),
    record: input.record,
    session: null,
    tools: [],
    failures: 0,
    nextRetryAt: null,
    lastError: null,
    lastResult: input.record?.last_refresh?.result ?? null,
    loginReason: null,
    oauthError: null,
    flow: null,
    stepUpScopes: [],
    internal: {
      recordError: input.recordError,
      retryAfterMs: null,
      lastAttemptAt: null,
      refreshNow: false,
      pending: null,
    },
    storeAvailable: true,
  }),
  invoke: {
    id: 'refresher',
    src: 'refresher',
    input: ({ self }) => ({ logic: providedRefresh(self) }),
  },
  initial: 'connecting',
  on: {
    'auth.login': {
      guard: { type: 'loginWanted', params: ({ event }) => ({ force: event.force === true }) },
      target: '.loggingIn',
    },
    'auth.logout': {
      guard: 'usesOAuth',
      target: '.loginRequired',
      actions: ['clearTokens', { type: 'park', params: { reason: 'Logged out - login required' } }],
    },
    'upstream.restart': { target: '.connecting', reenter: true, actions: 'resetFailures' },
    'upstream.enable': {
      target: '.connecting',
      reenter: true,
      actions: { type: 'setEnabled', params: { enabled: true } },
    },
    'upstream.disable': {
      target: '.idle',
      actions: { type: 'setEnabled', params: { enabled: false } },
    },
    'upstream.stop': '.stopped',
    'config.updated': {
      target: '.connecting',
      reenter: true,
      actions: { type: 'assignEntry', params: ({ event }) => ({ entry: event.entry }) },
    },
    'token.persisted': {
      actions: { type: 'assignRecord', params: ({ event }) => ({ record: event.record }) },
    },
    'token.external': [
      {
        guard: { type: 'loggedOutElsewhere', params: ({ event }) => ({ record: event.record }) },
        target: '.loginRequired',
        actions: loggedOutElsewhereActions(),
      },
      {
        guard: { type: 'isNewer', params: ({ event }) => ({ record: event.record }) },
        actions: { type: 'assignRecord', params: ({ event }) => ({ record: event.record }) },
      },
    ],
    'jitter.updated': {
      actions: { type: 'assignJitter', params: ({ event }) => ({ jitter: event.jitter }) },
    },
    'upstream.tools_changed': {
      actions: { type: 'assignTools', params: ({ event }) => ({ tools: event.tools }) },
    },
    'store.availability': {
      actions: {
        type: 'assignStoreAvailable',
        params: ({ event }) => ({ available: event.available }),
      },
    },
    'upstream.insufficient_scope': {
      actions: { type: 'noteStepUp', params: ({ event }) => ({ scopes: event.scopes }) },
    },
  },
  states: {
    idle: {
      entry: 'stopSession',
      on: { 'auth.login': {}, 'upstream.restart': {}, 'token.external': adoptQuietly() },
    },
    connecting: {
      entry: 'stopSession',
      initial: 'deciding',
      states: {
        deciding: {
          always: [
            { guard: 'isDisabled', target: '#upstream.idle' },
            {
              guard: 'recordCorrupt',
              target: '#upstream.loginRequired',
              actions: {
                type: 'park',
                params: ({ context }) => ({
                  reason: context.internal.recordError!,
                  oauthError: true,
                }),
              },
            },
            {
              guard: 'refreshTokenExpired',
              target: '#upstream.loginRequired',
              actions: refreshExpiredActions(),
            },
            { guard: 'accessExpiredWithRefresh', target: 'refreshPending' },
            {
              guard: 'oauthWithoutUsableToken',
              target: '#upstream.loginRequired',
              actions: {
                type: 'park',
                params: ({ context }) => ({
                  reason: context.record?.tokens
                    ? 'Access token expired and no refresh token - login required'
                    : 'No token stored - login required',
                }),
              },
            },
            { target: 'handshake' },
          ],
        },
        refreshPending: {
          entry: 'requestRefreshNow',
          after: {
            refreshDelay: [
              {
                guard: 'refreshTokenExpired',
                target: '#upstream.loginRequired',
                actions: refreshExpiredActions(),
              },
              { guard: 'refreshDue', target: 'refreshing' },
              { target: 'refreshPending', reenter: true },
            ],
          },
        },
        refreshing: {
          entry: ['beginRefresh', 'runRefresh'],
          exit: 'cancelRefresh',
          on: {
            'refresh.done': [
              adoptedLogoutTransition(),
              {
                guard: { type: 'wasAdopted', params: ({ event }) => ({ output: event.output }) },
                target: 'handshake',
                actions: {
                  type: 'adoptRecord',
                  params: ({ event }) => ({ record: event.output.record }),
                },
              },
              {
                actions: {
                  type: 'issueRefreshed',
                  params: ({ event }) => ({ output: event.output }),
                },
              },
            ],
            'refresh.failed': [
              {
                guard: { type: 'isDeadGrant', params: ({ event }) => ({ error: event.error }) },
                target: '#upstream.loginRequired',
                actions: deadGrantActions(),
              },
              {
                target: '#upstream.retrying',
                actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
              },
            ],
            'token.persisted': {
              target: 'handshake',
              actions: { type: 'adoptRecord', params: ({ event }) => ({ record: event.record }) },
            },
            'token.persist_failed': persistFailed('#upstream.retrying', 'handshake'),
          },
        },
        handshake: {
          invoke: {
            id: 'connect',
            src: 'connect',
            input: ({ context, self }) => ({
              entry: context.entry,
              serverKey: context.serverKey,
              record: context.record,
              accessToken: () => self.getSnapshot().context.record?.tokens?.access_token ?? null,
              notify: (event) => self.send(event),
            }),
            onDone: [
              {
                guard: 'usesOAuth',
                target: '#upstream.authenticated',
                actions: connectedActions(),
              },
              { target: '#upstream.connected', actions: connectedActions() },
            ],
            onError: [
              {
                guard: {
                  type: 'mayRefreshForConnect',
                  params: ({ event }) => ({ error: event.error }),
                },
                target: 'refreshPending',
              },
              {
                guard: { type: 'isUnauthorized', params: ({ event }) => ({ error: event.error }) },
                target: '#upstream.loginRequired',
                actions: {
                  type: 'park',
                  params: ({ event }) => ({
                    reason: `${failureOf(event.error).message} - login required`,
                  }),
                },
              },
              {
                guard: { type: 'isOAuthError', params: ({ event }) => ({ error: event.error }) },
                target: '#upstream.loginRequired',
                actions: {
                  type: 'park',
                  params: ({ event }) => ({
                    reason: failureOf(event.error).message,
                    oauthError: true,
                  }),
                },
              },
              {
                target: '#upstream.retrying',
                actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
              },
            ],
          },
        },
      },
    },
    connected: {
      on: {
        'upstream.disconnected': {
          target: 'retrying',
          actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
        },
        'upstream.unauthorized': {
          target: 'loginRequired',
          actions: {
            type: 'park',
            params: { reason: 'The server asked for OAuth - login required' },
          },
        },
      },
    },
    authenticated: {
      initial: 'refreshScheduled',
      on: {
        'upstream.disconnected': {
          target: 'retrying',
          actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
        },
      },
      states: {
        refreshScheduled: {
          after: {
            refreshDelay: [
              {
                guard: 'refreshTokenExpired',
                target: '#upstream.loginRequired',
                actions: refreshExpiredActions(),
              },
              { guard: 'refreshDue', target: 'refreshing' },
              { target: 'refreshScheduled', reenter: true },
            ],
          },
          on: {
            'upstream.unauthorized': [
              {
                guard: 'noRefreshToken',
                target: '#upstream.loginRequired',
                actions: {
                  type: 'park',
                  params: { reason: 'Access token rejected and no refresh token - login required' },
                },
              },
              { target: 'refreshScheduled', reenter: true, actions: 'requestRefreshNow' },
            ],
            'clock.jumped': { target: 'refreshScheduled', reenter: true },
            'jitter.updated': {
              target: 'refreshScheduled',
              reenter: true,
              actions: { type: 'assignJitter', params: ({ event }) => ({ jitter: event.jitter }) },
            },
            'token.external': [
              {
                guard: {
                  type: 'loggedOutElsewhere',
                  params: ({ event }) => ({ record: event.record }),
                },
                target: '#upstream.loginRequired',
                actions: loggedOutElsewhereActions(),
              },
              {
                guard: { type: 'isNewer', params: ({ event }) => ({ record: event.record }) },
                target: 'refreshScheduled',
                reenter: true,
                actions: {
                  type: 'assignRecord',
                  params: ({ event }) => ({ record: event.record }),
                },
              },
            ],
          },
        },
        refreshing: refreshingState(
          '#upstream.authenticated.refreshScheduled',
          '#upstream.degraded',
        ),
      },
    },
    degraded: {
      initial: 'waiting',
      after: {
        accessTokenExpiry: { guard: 'notRefreshing', target: 'retrying' },
      },
      on: {
        'upstream.disconnected': {
          target: 'retrying',
          actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
        },
        'clock.jumped': { target: 'degraded', reenter: true },
      },
      states: {
        waiting: {
          after: {
            backoffDelay: [
              {
                guard: 'refreshTokenExpired',
                target: '#upstream.loginRequired',
                actions: refreshExpiredActions(),
              },
              { target: 'refreshing' },
            ],
          },
        },
        refreshing: refreshingState(
          '#upstream.authenticated.refreshScheduled',
          '#upstream.degraded.waiting',
        ),
      },
    },
    retrying: {
      entry: 'stopSession',
      after: { backoffDelay: 'connecting' },
      on: {
        'clock.jumped': { target: 'retrying', reenter: true },
        'token.persisted': {
          target: 'connecting',
          actions: { type: 'adoptRecord', params: ({ event }) => ({ record: event.record }) },
        },
      },
    },
    loginRequired: {
      entry: 'stopSession',
      on: {
        // Parked: a login always starts a flow, even while the access token is still valid (its
        // refresh token was rejected, or the user logged out).
        'auth.login': { target: 'loggingIn' },
        'token.external': {
          guard: { type: 'externalUsable', params: ({ event }) => ({ record: event.record }) },
          target: 'connecting',
          actions: { type: 'adoptRecord', params: ({ event }) => ({ record: event.record }) },
        },
      },
    },
    loggingIn: {
      entry: ['stopSession', 'beginLogin'],
      invoke: {
        id: 'login',
        src: 'login',
        input: ({ context, self }) => ({
          entry: context.entry,
          serverKey: context.serverKey,
          record: context.record,
          correlationId: context.flow!.correlationId,
          extraScopes: context.stepUpScopes,
          onAuthUrl: (authUrl) => self.send({ type: 'login.url', authUrl }),
          onRegistered: (record) => self.send({ type: 'login.registered', record }),
        }),
        onDone: {
          actions: {
            type: 'issueRecord',
            params: ({ event }) => ({ record: event.output.record, kind: 'login' as const }),
          },
        },
        onError: {
          target: 'loginRequired',
          actions: {
            type: 'park',
            params: ({ event }) => ({
              reason: `Login failed: ${failureOf(event.error).message}`,
              oauthError: failureOf(event.error).oauthError === true,
            }),
          },
        },
      },
      after: {
        loginTimeout: {
          target: 'loginRequired',
          actions: { type: 'park', params: { reason: 'Login timed out' } },
        },
      },
      on: {
        'auth.login': {},
        // Another process's change does not interrupt the flow the user started here.
        'token.external': adoptQuietly(),
        'login.url': {
          actions: { type: 'assignAuthUrl', params: ({ event }) => ({ authUrl: event.authUrl }) },
        },
        'login.registered': {
          actions: {
            type: 'issueRecord',
            params: ({ event }) => ({ record: event.record, kind: 'registration' as const }),
          },
        },
        'token.persisted': [
          {
            guard: { type: 'loginPersisted', params: ({ event }) => ({ record: event.record }) },
            target: 'connecting',
            actions: [
              { type: 'adoptRecord', params: ({ event }) => ({ record: event.record }) },
              assign({ stepUpScopes: [] }),
            ],
          },
          { actions: { type: 'assignRecord', params: ({ event }) => ({ record: event.record }) } },
        ],
        'token.persist_failed': {
          target: 'loginRequired',
          actions: {
            type: 'park',
            params: ({ event }) => ({
              reason: `Login succeeded but the token could not be stored: ${event.error}`,
            }),
          },
        },
      },
    },
    stopped: {
      type: 'final',
      entry: 'stopSession',
    },
  },
});

function refreshInput(context: UpstreamContext): RefreshInput {
  return {
    entry: context.entry,
    serverKey: context.serverKey,
    record: context.record!,
    correlationId: context.flow?.correlationId ?? '',
    attempt: context.failures,
  };
}

/** Parks the server because the refresh token's own lifetime has passed (no request is made). */
function refreshExpiredActions() {
  return {
    type: 'park' as const,
    params: ({ context }: { context: UpstreamContext }) => ({
      reason: refreshExpiredReason(context.record),
    }),
  };
}

/** Another process logged the server out (its tokens are gone from the store): park here too. */
function loggedOutElsewhereActions() {
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
function adoptedLogoutTransition() {
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
    ],
  };
}

/** Takes a newer stored record as data only (no state change). */
function adoptQuietly() {
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

function connectedActions() {
  return [
    {
      type: 'assignSession' as const,
      params: ({ event }: { event: { output: ConnectOutput } }) => ({ output: event.output }),
    },
    'startSession' as const,
  ];
}

function deadGrantActions() {
  return [
    {
      type: 'noteDeadGrant' as const,
      params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
    },
    {
      type: 'park' as const,
      params: ({ event }: { event: { error: unknown } }) => ({
        reason: `Refresh token rejected (${failureOf(event.error).message}) - login required`,
      }),
    },
  ];
}

/** A persist failure: a newer record committed elsewhere is a lost race (adopt it), else a failure. */
function persistFailed(failureTarget: string, successTarget: string) {
  return [
    {
      guard: {
        type: 'lostRaceToLogout' as const,
        params: ({ event }: { event: { current: UpstreamContext['record'] } }) => ({
          current: event.current,
        }),
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
      ],
    },
    {
      guard: {
        type: 'lostRaceToNewer' as const,
        params: ({ event }: { event: { current: UpstreamContext['record'] } }) => ({
          current: event.current,
        }),
      },
      target: successTarget,
      actions: {
        type: 'adoptRecord' as const,
        params: ({ event }: { event: { current: UpstreamContext['record'] } }) => ({
          record: event.current,
        }),
      },
    },
    {
      target: failureTarget,
      actions: {
        type: 'recordFailure' as const,
        params: ({ event }: { event: { error: string } }) => ({
          error: { result: 'failed_other', message: `Token store unavailable: ${event.error}` },
        }),
      },
    },
  ];
}

/** The refreshing leaf shared by authenticated and degraded (same rules, different exits). */
function refreshingState(successTarget: string, transientTarget: string) {
  return {
    entry: ['beginRefresh' as const, 'runRefresh' as const],
    exit: 'cancelRefresh' as const,
    on: {
      'refresh.done': [
        adoptedLogoutTransition(),
        {
          guard: {
            type: 'wasAdopted' as const,
            params: ({ event }: { event: { output: RefreshOutput } }) => ({ output: event.output }),
          },
          target: successTarget,
          actions: {
            type: 'adoptRecord' as const,
            params: ({ event }: { event: { output: RefreshOutput } }) => ({
              record: event.output.record,
            }),
          },
        },
        {
          actions: {
            type: 'issueRefreshed' as const,
            params: ({ event }: { event: { output: RefreshOutput } }) => ({ output: event.output }),
          },
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
          actions: refreshExpiredActions(),
        },
        {
          guard: 'accessExpiredNow' as const,
          target: '#upstream.retrying',
          actions: {
            type: 'recordFailure' as const,
            params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
          },
        },
        {
          target: transientTarget,
          reenter: true,
          actions: {
            type: 'recordFailure' as const,
            params: ({ event }: { event: { error: unknown } }) => ({ error: event.error }),
          },
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
