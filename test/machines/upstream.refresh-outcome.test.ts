/**
 * Refresh outcomes are persisted (SPEC §1): a refreshed record carries its success, and a
 * refused grant is noted beside the tokens it refused. So a restart (or another replica) starts
 * the server parked with the same reason instead of spending the dead refresh token again, a
 * login's new tokens clear the note, and a parked server wakes on new tokens only.
 */
import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { AnyActorRef } from 'xstate';
import type { ClassifiedFailure, LoginInput } from '../../machines/upstream/upstream.types.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

const gh = spec(oauthEntry('gh'));
const invalidGrant: ClassifiedFailure = {
  result: 'failed_invalid_grant',
  message: 'Token endpoint rejected the grant: invalid_grant (revoked).',
};
const clientRejected: ClassifiedFailure = {
  result: 'failed_invalid_grant',
  message: 'Token endpoint rejected the grant: invalid_client (unknown client).',
  clientRejected: true,
};
const REVOKED_REASON = `Refresh token rejected (${invalidGrant.message}) - login required`;
const CLIENT_REASON =
  "The authorization server no longer knows mcpproxy's client registration (invalid_client) " +
  '- log in again to register anew: mcpproxy auth login --server gh';

/** A stored 3-minute token with a dynamic registration. */
const seeded = (): TokenRecord => ({
  ...recordWithToken(gh.serverKey, 'gh', T0, 180),
  registration: { client_id: 'client-stale', redirect_uris: ['http://127.0.0.1:41234/cb'] },
  callback_port: 41234,
});

/** Runs one process until its first refresh (at 144 s) is answered with `failure`. */
async function refusedOnce(failure: ClassifiedFailure) {
  const h = createHarness({
    servers: [gh],
    records: [seeded()],
    configure: (w) => (w.refreshMode = failure),
  });
  h.supervisor.start();
  await h.advance(150_000);
  expect(h.state('gh')).toBe('loginRequired');
  h.supervisor.send({ type: 'supervisor.stop' });
  return h.store.records.get(gh.serverKey)!;
}

/** A new process over `record` (a restart), with a working token endpoint. */
async function restartWith(record: TokenRecord, advanceMs = 0) {
  const h = createHarness({
    servers: [gh],
    records: [record],
    configure: (w) => (w.manualLogin = true),
  });
  h.supervisor.start();
  await h.advance(advanceMs);
  return h;
}

describe('upstream machine: persisted refresh outcomes', () => {
  it('a refreshed record carries its success, correlation id and time', async () => {
    const h = createHarness({ servers: [gh], records: [seeded()] });
    h.supervisor.start();
    await h.advance(150_000);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    const stored = h.store.records.get(gh.serverKey)!;
    expect(stored.tokens?.access_token).not.toBe('at-seed-gh');
    expect(stored.last_refresh).toEqual({
      result: 'success',
      at: T0 + 144_000,
      correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('a refused grant is noted beside the tokens it refused, which stay as they were', async () => {
    const stored = await refusedOnce(invalidGrant);
    expect(stored.tokens).toEqual(seeded().tokens);
    expect(stored.registration).toEqual(seeded().registration);
    expect(stored.generation).toBe(2);
    expect(stored.last_refresh).toEqual({
      result: 'failed_invalid_grant',
      at: T0 + 144_000,
      error: invalidGrant.message,
      correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('after a restart the server starts parked with the same reason, and no refresh is sent', async () => {
    const h = await restartWith(await refusedOnce(invalidGrant), 3600_000);
    expect(h.state('gh')).toBe('loginRequired');
    const context = h.child('gh').getSnapshot().context;
    expect(context.loginReason).toBe(REVOKED_REASON);
    expect(context.lastResult).toBe('failed_invalid_grant');
    expect(h.world.refreshCalls).toHaveLength(0);
    expect(h.world.connectCalls).toHaveLength(0);
  });

  it('a rejected client survives the restart: its reason, and the next login registers anew', async () => {
    const stored = await refusedOnce(clientRejected);
    expect(stored.last_refresh?.rejected_client_id).toBe('client-stale');
    const h = await restartWith(stored);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.loginReason).toBe(CLIENT_REASON);
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(0);
    const login = (h.child('gh').getSnapshot() as { children: Record<string, AnyActorRef> })
      .children.login!;
    expect((login.getSnapshot() as { input: LoginInput }).input.rejectedClientId).toBe(
      'client-stale',
    );
  });

  it("a login's new tokens clear the note: the stored record no longer parks a restart", async () => {
    const h = await restartWith(await refusedOnce(invalidGrant));
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(0);
    h.world.completeLogins();
    await h.advance(1_000);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    const stored = h.store.records.get(gh.serverKey)!;
    expect(stored.last_refresh).toBeNull();
    expect(h.child('gh').getSnapshot().context.internal.rejectedClientId).toBeNull();

    const again = await restartWith(stored);
    expect(again.state('gh')).toBe('authenticated.refreshScheduled');
  });

  it('a stored success is not taken for an answer of this process: a 401 at connect still refreshes', async () => {
    const record: TokenRecord = {
      ...seeded(),
      last_refresh: { result: 'success', at: T0 - 60_000 },
    };
    const h = createHarness({
      servers: [gh],
      records: [record],
      configure: (w) =>
        (w.connectMode = { result: 'failed_other', message: 'HTTP 401', unauthorized: true }),
    });
    h.supervisor.start();
    await h.advance(0);
    expect(h.world.refreshCalls).toHaveLength(1);
  });

  it.each([
    ['authenticated.refreshScheduled', 'ok' as const],
    ['degraded.waiting', { result: 'failed_network', message: 'connect ECONNREFUSED' } as const],
  ])(
    'in %s, a refusal noted by another replica parks at once, without a refresh of its own',
    async (state, refreshMode) => {
      const record = seeded();
      const h = createHarness({
        servers: [gh],
        records: [record],
        configure: (w) => (w.refreshMode = refreshMode),
      });
      h.supervisor.start();
      await h.advance(refreshMode === 'ok' ? 0 : 150_000);
      expect(h.state('gh')).toBe(state);
      const calls = h.world.refreshCalls.length;
      h.supervisor.send({
        type: 'store.changed',
        serverKey: gh.serverKey,
        record: {
          ...record,
          generation: 5,
          last_refresh: { result: 'failed_invalid_grant', at: T0, error: invalidGrant.message },
        },
      });
      await h.advance(3600_000);
      expect(h.state('gh')).toBe('loginRequired');
      expect(h.child('gh').getSnapshot().context.loginReason).toBe(REVOKED_REASON);
      expect(h.world.refreshCalls).toHaveLength(calls);
    },
  );

  it.each([
    ['authenticated.refreshScheduled', T0],
    ['connecting (access token expired at start)', T0 - 3600_000],
  ])(
    "from %s, a refresh that finds another replica's refusal note parks at once and spends nothing",
    async (_from, issuedAt) => {
      const record = {
        ...seeded(),
        ...recordWithToken(gh.serverKey, 'gh', issuedAt, 180),
        registration: seeded().registration,
      };
      const noted: TokenRecord = {
        ...record,
        generation: 5,
        last_refresh: { result: 'failed_invalid_grant', at: T0, error: invalidGrant.message },
      };
      // The refresh finds the note in the store before it redeems anything (its lease check).
      const h = createHarness({
        servers: [gh],
        records: [record],
        configure: (w) => (w.storeHasNewer = noted),
      });
      h.supervisor.start();
      await h.advance(150_000);

      expect(h.state('gh')).toBe('loginRequired');
      expect(h.child('gh').getSnapshot().context.loginReason).toBe(REVOKED_REASON);
      expect(h.child('gh').getSnapshot().context.record).toEqual(noted);
      await h.advance(3600_000);
      expect(h.state('gh')).toBe('loginRequired');
      expect(h.world.refreshCalls).toHaveLength(0);
      expect(h.world.connectCalls).toHaveLength(issuedAt === T0 ? 1 : 0);
    },
  );

  it("a refreshed token whose commit loses to another replica's note of the same token's refusal is committed over it", async () => {
    const record = seeded();
    const h = createHarness({ servers: [gh], records: [record] });
    h.supervisor.start();
    await h.advance(0);
    // Another replica redeemed the same refresh token after the lease ran out, was refused, and
    // noted it; this process has not seen the note yet.
    h.store.records.set(gh.serverKey, {
      ...record,
      generation: 2,
      last_refresh: { result: 'failed_invalid_grant', at: T0, error: invalidGrant.message },
    });
    await h.advance(150_000);

    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    const stored = h.store.records.get(gh.serverKey)!;
    expect(stored.generation).toBe(3);
    expect(stored.tokens?.access_token).not.toBe('at-seed-gh');
    expect(stored.last_refresh?.result).toBe('success');
    expect(h.child('gh').getSnapshot().context.record).toEqual(stored);
  });

  it('a parked server wakes on new tokens from elsewhere, not on its own tokens written again', async () => {
    const stored = await refusedOnce(invalidGrant);
    const h = await restartWith(stored);
    expect(h.state('gh')).toBe('loginRequired');
    // Another replica notes the same refusal again, or persists a registration: same tokens.
    h.supervisor.send({
      type: 'store.changed',
      serverKey: gh.serverKey,
      record: { ...stored, generation: 7, last_refresh: null },
    });
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.world.connectCalls).toHaveLength(0);
    // A login elsewhere: new tokens.
    h.supervisor.send({
      type: 'store.changed',
      serverKey: gh.serverKey,
      record: {
        ...recordWithToken(gh.serverKey, 'gh', T0 + 1_000, 3600, 8),
        last_refresh: null,
        tokens: {
          ...recordWithToken(gh.serverKey, 'gh', T0, 3600).tokens!,
          access_token: 'at-login-elsewhere',
        },
      },
    });
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  });
});
