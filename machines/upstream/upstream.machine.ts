/**
 * @module The upstream statechart (SPEC §4): one actor per upstream server; its state *is* the
 * connection. Pure: I/O arrives as the injected actors `connect`, `refresh`, `login`, `session`.
 * Its named delays and actions are in upstream.setup.ts, its guards in upstream.guards.ts, the
 * transition fragments several states share in upstream.transitions.ts; `connecting` and
 * `loggingIn` are in upstream.connecting.ts and upstream.login.ts.
 */
import { providedRefresh } from './refresher.js';
import { connectingState } from './upstream.connecting.js';
import { loggingInState } from './upstream.login.js';
import { clampJitter, storedRejectedClient, storedResult } from './upstream.logic.js';
import { upstreamSetup } from './upstream.setup.js';
import {
  adoptQuietly,
  disconnectedTransitions,
  loggedOutElsewhereActions,
  refreshDueTransitions,
  refreshExpiredActions,
  refreshingState,
  refusedElsewhere,
} from './upstream.transitions.js';

export const upstreamMachine = upstreamSetup.createMachine({
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
    lastResult: storedResult(input.record),
    loginReason: null,
    loginError: null,
    oauthError: null,
    flow: null,
    stepUpScopes: [],
    internal: {
      recordError: input.recordError,
      retryAfterMs: null,
      lastAttemptAt: null,
      refreshNow: false,
      pending: null,
      rejectedClientId: storedRejectedClient(input.entry, input.record),
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
      refusedElsewhere(),
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
    connecting: connectingState,
    connected: {
      on: {
        'upstream.disconnected': disconnectedTransitions(),
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
        'upstream.disconnected': disconnectedTransitions(),
      },
      states: {
        refreshScheduled: {
          after: {
            refreshDelay: refreshDueTransitions('refreshScheduled'),
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
              refusedElsewhere(),
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
        'upstream.disconnected': disconnectedTransitions(),
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
        // New tokens wake it; anything else newer is taken as data only (it stays parked).
        'token.external': [
          {
            guard: { type: 'externalUsable', params: ({ event }) => ({ record: event.record }) },
            target: 'connecting',
            actions: { type: 'adoptRecord', params: ({ event }) => ({ record: event.record }) },
          },
          adoptQuietly(),
        ],
      },
    },
    loggingIn: loggingInState,
    stopped: {
      type: 'final',
      entry: 'stopSession',
    },
  },
});
