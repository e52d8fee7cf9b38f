/**
 * Changes another process commits reach the actor as `token.external` (SPEC §3a): a rotation is
 * adopted without a request, a logout (tokens gone, or the record deleted) parks the server, a
 * disabled server stays disabled, and this process's own logout keeps its own reason.
 */
import { describe, expect, it } from 'vitest';
import { healthOf } from '../../machines/upstream/health.js';
import { withTokens } from '../../machines/upstream/token-record.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

const gh = spec(oauthEntry('gh'));
const seeded = recordWithToken(gh.serverKey, 'gh', T0, 3600);
const loggedOut = {
  ...seeded,
  generation: seeded.generation + 1,
  tokens: null,
  issued_at: null,
  expires_at: null,
  refresh_expires_at: null,
};

async function authenticated() {
  const h = createHarness({ servers: [gh], records: [seeded] });
  h.supervisor.start();
  await h.advance(0);
  expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  return h;
}

describe('changes made by another process', () => {
  it('adopts a rotation committed elsewhere and schedules from it, without a request', async () => {
    const h = await authenticated();
    await h.advance(600_000);
    const rotated = {
      ...withTokens(
        seeded,
        {
          access_token: 'at-other',
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: 'rt-other',
        },
        h.world.now(),
      ),
      generation: 2,
    };
    h.supervisor.send({ type: 'store.changed', serverKey: gh.serverKey, record: rotated });
    await h.advance(2879_000);
    expect(h.world.refreshCalls).toHaveLength(0);
    expect(h.child('gh').getSnapshot().context.record.tokens.access_token).toBe('at-other');
    await h.advance(1_000);
    expect(h.world.refreshCalls).toEqual([
      { name: 'gh', at: T0 + 600_000 + 2880_000, refreshToken: 'rt-other' },
    ]);
  });

  it.each([
    ['tokens removed (auth logout)', loggedOut],
    ['record deleted', null],
  ])('parks an authenticated server logged out elsewhere: %s', async (_, record) => {
    const h = await authenticated();
    h.supervisor.send({ type: 'store.changed', serverKey: gh.serverKey, record });
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    const snapshot = h.child('gh').getSnapshot();
    expect(snapshot.context.session).toBeNull();
    expect(healthOf(snapshot, h.world.now())).toEqual({
      level: 'unhealthy',
      summary: 'Login required',
      detail: 'Logged out by another process - login required',
      action: 'login',
    });
    await h.advance(24 * 3600_000);
    expect(h.world.refreshCalls).toHaveLength(0);
    expect(h.world.loginCalls).toHaveLength(0);
  });

  it('parks a server whose refresh is failing (degraded) when it is logged out elsewhere', async () => {
    const h = await authenticated();
    h.world.refreshMode = { result: 'failed_network', message: 'connection refused' };
    await h.advance(2880_000);
    expect(h.state('gh')).toBe('degraded.waiting');
    h.supervisor.send({ type: 'store.changed', serverKey: gh.serverKey, record: loggedOut });
    await h.advance(600_000);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.world.refreshCalls).toHaveLength(1);
  });

  it('a refresh that finds the logout in the store parks with that reason, not as a dead grant', async () => {
    const h = await authenticated();
    // The refresh re-reads the store before redeeming and finds the logout before the watch does.
    h.world.storeHasNewer = loggedOut;
    await h.advance(2880_000);
    expect(h.state('gh')).toBe('loginRequired');
    const context = h.child('gh').getSnapshot().context;
    expect(context.loginReason).toBe('Logged out by another process - login required');
    expect(context.lastResult).not.toBe('failed_invalid_grant');
    expect(context.record.tokens).toBeNull();
    expect(h.world.refreshCalls).toHaveLength(0);
  });

  it('a refreshed pair whose commit loses to a logout is dropped and the server parked', async () => {
    const h = await authenticated();
    // The logout lands while the refresh is in flight: the compare-and-swap commit loses to it.
    h.store.records.set(gh.serverKey, loggedOut);
    await h.advance(2880_000);
    expect(h.world.refreshCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('loginRequired');
    const context = h.child('gh').getSnapshot().context;
    expect(context.loginReason).toBe('Logged out by another process - login required');
    expect(context.record.tokens).toBeNull();
    expect(h.store.records.get(gh.serverKey)?.tokens).toBeNull();
  });

  it('leaves a disabled server disabled', async () => {
    const off = spec({ ...oauthEntry('off'), enabled: false });
    const h = createHarness({
      servers: [off],
      records: [recordWithToken(off.serverKey, 'off', T0, 3600)],
    });
    h.supervisor.start();
    await h.advance(0);
    h.supervisor.send({ type: 'store.changed', serverKey: off.serverKey, record: null });
    await h.advance(0);
    expect(h.state('off')).toBe('idle');
  });

  it("keeps this process's own logout reason when its own write comes back through the watch", async () => {
    const h = await authenticated();
    h.child('gh').send({ type: 'auth.logout' });
    await h.advance(0);
    h.supervisor.send({
      type: 'store.changed',
      serverKey: gh.serverKey,
      record: h.store.records.get(gh.serverKey)!,
    });
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.loginReason).toBe('Logged out - login required');
  });

  it('wakes when another process logs in again after the logout', async () => {
    const h = await authenticated();
    h.supervisor.send({ type: 'store.changed', serverKey: gh.serverKey, record: loggedOut });
    await h.advance(0);
    const again = {
      ...recordWithToken(gh.serverKey, 'gh', h.world.now(), 3600),
      generation: loggedOut.generation + 1,
    };
    h.supervisor.send({ type: 'store.changed', serverKey: gh.serverKey, record: again });
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.world.loginCalls).toHaveLength(0);
  });
});
