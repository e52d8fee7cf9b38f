/**
 * The token endpoint answers `invalid_client` (SPEC §3: a dead grant): the server parks with a
 * reason saying what happened, and the next login registers a new client instead of reusing the
 * stale dynamic registration — or, for a configured `oauth.client_id`, says to fix the config.
 */
import { describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { ClassifiedFailure, LoginInput } from '../../machines/upstream/upstream.types.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
  type Harness,
} from '../helpers/machine-harness.js';

const DYNAMIC_REASON =
  "The authorization server no longer knows mcpproxy's client registration (invalid_client) " +
  '- log in again to register anew: mcpproxy auth login --server gh';
const CONFIGURED_REASON =
  'The authorization server rejected the configured OAuth client (invalid_client) - check ' +
  'oauth.client_id and oauth.client_secret in the config, then log in again: ' +
  'mcpproxy auth login --server gh';

const clientRejected: ClassifiedFailure & { clientRejected: true } = {
  result: 'failed_invalid_grant',
  message: 'Token endpoint rejected the grant: invalid_client (unknown client).',
  clientRejected: true,
};
const invalidGrant = {
  result: 'failed_invalid_grant' as const,
  message: 'Token endpoint rejected the grant: invalid_grant (revoked).',
};

const dynamic = spec(oauthEntry('gh'));
const configured = spec(
  oauthEntry('gh', {
    oauth: {
      client_id: 'configured-app',
      client_secret: null,
      scopes: [],
      redirect_uri: null,
      extra_params: {},
    },
  }),
);

/** A stored token (3 min) with a dynamic registration and its callback port. */
function registeredRecord(serverKey: string): TokenRecord {
  return {
    ...recordWithToken(serverKey, 'gh', T0, 180),
    registration: { client_id: 'client-stale', redirect_uris: ['http://127.0.0.1:41234/cb'] },
    callback_port: 41234,
  };
}

/** The input of the login actor the server is running now. */
function loginInput(child: AnyActorRef): LoginInput {
  const login = (child.getSnapshot() as { children: Record<string, AnyActorRef | undefined> })
    .children.login;
  if (!login) throw new Error('no login is running');
  return (login.getSnapshot() as { input: LoginInput }).input;
}

/** Starts with a stored token whose first refresh (at 80 % of 180 s) fails with `failure`. */
async function refreshFailsWith(server: typeof dynamic, failure: ClassifiedFailure) {
  const h = createHarness({
    servers: [server],
    records: [registeredRecord(server.serverKey)],
    configure: (w) => {
      w.refreshMode = failure;
      w.manualLogin = true;
    },
  });
  h.supervisor.start();
  await h.advance(24 * 3600_000);
  return h;
}

/** Starts a login (the fake waits for `completeLogins()`) and answers its input. */
async function startLogin(h: Harness): Promise<LoginInput> {
  h.child('gh').send({ type: 'auth.login' });
  await h.advance(0);
  expect(h.state('gh')).toBe('loggingIn');
  return loginInput(h.child('gh'));
}

describe('upstream machine: the token endpoint rejects the client (invalid_client)', () => {
  it('a dynamic registration: parks once with the re-register reason, and the next login must not reuse it', async () => {
    const h = await refreshFailsWith(dynamic, clientRejected);

    expect(h.world.refreshCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('loginRequired');
    const context = h.child('gh').getSnapshot().context;
    expect(context.loginReason).toBe(DYNAMIC_REASON);
    expect(context.oauthError).toBeNull();
    expect(context.lastResult).toBe('failed_invalid_grant');
    // Nothing is lost until a new login commits: tokens and registration stay as they were;
    // the refusal is noted beside them (SPEC §1: refresh outcomes are persisted).
    const seeded = registeredRecord(dynamic.serverKey);
    const stored = h.store.records.get(dynamic.serverKey)!;
    expect({ ...stored, generation: 1, updated_at: seeded.updated_at, last_refresh: null }).toEqual(
      seeded,
    );
    expect(stored.last_refresh).toMatchObject({
      result: 'failed_invalid_grant',
      error: clientRejected.message,
      rejected_client_id: 'client-stale',
    });
    expect(context.record?.tokens?.refresh_token).toBe('rt-seed-gh');

    const input = await startLogin(h);
    expect(input.rejectedClientId).toBe('client-stale');
    expect(input.record?.registration?.client_id).toBe('client-stale');
    expect(input.record?.callback_port).toBe(41234);
  });

  it('the committed login clears the rejection: a later login reuses its registration again', async () => {
    const h = await refreshFailsWith(dynamic, clientRejected);
    await startLogin(h);
    h.world.completeLogins();
    await h.advance(1_000);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.child('gh').getSnapshot().context.internal.rejectedClientId).toBeNull();

    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    expect(loginInput(h.child('gh')).rejectedClientId).toBeNull();
  });

  it('a configured oauth.client_id: parks with the check-your-config reason; nothing to re-register', async () => {
    const h = await refreshFailsWith(configured, clientRejected);

    expect(h.world.refreshCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.loginReason).toBe(CONFIGURED_REASON);
    expect((await startLogin(h)).rejectedClientId).toBeNull();
  });

  it('invalid_grant is no client rejection: the old reason, and the registration is reused', async () => {
    const h = await refreshFailsWith(dynamic, invalidGrant);

    expect(h.child('gh').getSnapshot().context.loginReason).toBe(
      `Refresh token rejected (${invalidGrant.message}) - login required`,
    );
    expect((await startLogin(h)).rejectedClientId).toBeNull();
  });

  it('a login whose code exchange answers invalid_client parks with the re-register reason', async () => {
    const h = await refreshFailsWith(dynamic, invalidGrant);
    h.world.loginMode = clientRejected;
    await startLogin(h);
    h.world.completeLogins();
    await h.advance(1_000);

    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.loginReason).toBe(DYNAMIC_REASON);
    h.world.loginMode = 'ok';
    expect((await startLogin(h)).rejectedClientId).toBe('client-stale');
  });
});
