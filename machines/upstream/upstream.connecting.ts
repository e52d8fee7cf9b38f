/**
 * @module The upstream statechart's `connecting` state (SPEC §4): load the stored record, refresh
 * first when the access token expired, then the MCP handshake. Part of upstream.machine.ts.
 */
import { failureOf } from './upstream.logic.js';
import { upstreamSetup } from './upstream.setup.js';
import {
  adoptedLogoutTransition,
  adoptedRefusalTransition,
  connectedActions,
  deadGrantActions,
  persistFailed,
  refreshDueTransitions,
  refreshExpiredActions,
} from './upstream.transitions.js';

/** Decides from the stored record, refreshes if it must, then connects. */
export const connectingState = upstreamSetup.createStateConfig({
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
          guard: 'deadGrantStored',
          target: '#upstream.loginRequired',
          actions: 'parkStoredDeadGrant',
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
        refreshDelay: refreshDueTransitions('refreshPending'),
      },
    },
    refreshing: {
      entry: ['beginRefresh', 'runRefresh'],
      exit: 'cancelRefresh',
      on: {
        'refresh.done': [
          adoptedLogoutTransition(),
          adoptedRefusalTransition(),
          {
            guard: { type: 'wasAdopted', params: ({ event }) => ({ output: event.output }) },
            target: 'handshake',
            actions: [
              { type: 'adoptRecord', params: ({ event }) => ({ record: event.output.record }) },
              'reportOutcome',
            ],
          },
          {
            actions: [
              { type: 'issueRefreshed', params: ({ event }) => ({ output: event.output }) },
              'reportOutcome',
            ],
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
            actions: [
              { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
              'reportOutcome',
            ],
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
});
