/**
 * @module The upstream statechart's `loggingIn` state (SPEC §3): a login flow the user started,
 * committed through the supervisor before the actor reconnects. A login that fails on a server
 * that was working (a forced re-login, a scope step-up) goes back to its stored tokens instead
 * of parking it, and so does one still waiting when the access token is about to expire.
 * Part of upstream.machine.ts.
 */
import { assign } from 'xstate';
import { failureOf, loginFailedReason } from './upstream.logic.js';
import { upstreamSetup } from './upstream.setup.js';
import { adoptQuietly } from './upstream.transitions.js';

/** Runs the login flow; its tokens are used once the supervisor has committed them. */
export const loggingInState = upstreamSetup.createStateConfig({
  // A live session is kept (a forced re-login, a scope step-up): calls go on with the current
  // token while the user logs in. `connecting` replaces it once the login ends.
  entry: 'beginLogin',
  invoke: {
    id: 'login',
    src: 'login',
    input: ({ context, self }) => ({
      entry: context.entry,
      serverKey: context.serverKey,
      record: context.record,
      correlationId: context.flow!.correlationId,
      extraScopes: context.stepUpScopes,
      rejectedClientId: context.internal.rejectedClientId,
      onAuthUrl: (authUrl) => self.send({ type: 'login.url', authUrl }),
      onRegistered: (record) => self.send({ type: 'login.registered', record }),
    }),
    onDone: {
      actions: {
        type: 'issueRecord',
        params: ({ event }) => ({ record: event.output.record, kind: 'login' as const }),
      },
    },
    onError: [
      {
        guard: 'loginWasOptional',
        target: 'connecting',
        actions: [
          { type: 'noteRejectedClient', params: ({ event }) => ({ error: event.error }) },
          {
            type: 'noteLoginFailed',
            params: ({ context, event }) => ({
              reason: loginFailedReason(context, failureOf(event.error)),
            }),
          },
        ],
      },
      {
        target: 'loginRequired',
        actions: [
          { type: 'noteRejectedClient', params: ({ event }) => ({ error: event.error }) },
          {
            type: 'park',
            params: ({ context, event }) => ({
              reason: loginFailedReason(context, failureOf(event.error)),
              oauthError: failureOf(event.error).oauthError === true,
            }),
          },
        ],
      },
    ],
  },
  after: {
    // The flow waits for a person; the server's token must not expire meanwhile. Shortly before
    // it does, a login on a working server gives way: back to the stored tokens, which the
    // reconnect refreshes.
    loginYield: {
      guard: 'loginMustYield',
      target: 'connecting',
      actions: {
        type: 'noteLoginFailed',
        params: {
          reason:
            'Login abandoned: the access token was about to expire while the login waited for ' +
            'the browser, so the stored tokens were refreshed instead; run the login again',
        },
      },
    },
    loginTimeout: [
      {
        guard: 'loginWasOptional',
        target: 'connecting',
        actions: { type: 'noteLoginFailed', params: { reason: 'Login timed out' } },
      },
      {
        target: 'loginRequired',
        actions: { type: 'park', params: { reason: 'Login timed out' } },
      },
    ],
  },
  on: {
    'auth.login': {},
    // The kept session ended: calls wait for the login.
    'upstream.disconnected': { actions: 'stopSession' },
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
});
