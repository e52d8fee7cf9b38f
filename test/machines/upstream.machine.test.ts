import { describe, expect, it } from 'vitest';
import { healthOf } from '../../machines/upstream/health.js';
import {
  createHarness,
  oauthEntry,
  plainEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

const gh = spec(oauthEntry('gh'));
const network = { result: 'failed_network' as const, message: 'connection timeout' };
const serverError = { result: 'failed_server_error' as const, message: 'HTTP 503' };
const invalidGrant = { result: 'failed_invalid_grant' as const, message: 'invalid_grant' };

function fresh(ttlS = 180, issuedAt = T0) {
  return recordWithToken(gh.serverKey, 'gh', issuedAt, ttlS);
}

const secondsSince = (at: number, origin: number) => (at - origin) / 1000;

describe('upstream machine', () => {
  it('connects a server without OAuth straight to connected', async () => {
    const h = createHarness({ servers: [spec(plainEntry('fs'))] });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('fs')).toBe('connected');
    expect(h.world.refreshCalls).toHaveLength(0);
  });

  it('parks an OAuth server without a stored token in loginRequired, never opening a flow itself', async () => {
    const h = createHarness({ servers: [gh] });
    h.supervisor.start();
    await h.advance(3600_000);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.world.loginCalls).toHaveLength(0);
    expect(h.child('gh').getSnapshot().context.loginReason).toMatch(/No token stored/);
  });

  it('refreshes at 80 % of lifetime and reschedules after success', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(180)] });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    await h.advance(143_000);
    expect(h.world.refreshCalls).toHaveLength(0);
    await h.advance(2_000);
    expect(h.world.refreshCalls).toHaveLength(1);
    expect(Math.abs(secondsSince(h.world.refreshCalls[0]!.at, T0) - 144)).toBeLessThanOrEqual(1);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    // The next one is 80 % of the new token's lifetime after it arrived.
    await h.advance(144_000);
    expect(h.world.refreshCalls).toHaveLength(2);
    expect(secondsSince(h.world.refreshCalls[1]!.at, h.world.refreshCalls[0]!.at)).toBe(144);
  });

  it('on startup with an expired access token and a refresh token: one refresh, then authenticated, no login', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(180, T0 - 3600_000)] });
    h.supervisor.start();
    await h.advance(1_000);
    expect(h.world.refreshCalls).toHaveLength(1);
    expect(h.world.loginCalls).toHaveLength(0);
    expect(h.world.refreshCalls[0]!.at).toBe(T0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    // The token was connected with only after the supervisor persisted it.
    expect(h.store.commits).toEqual([{ name: 'gh', kind: 'refresh', generation: 2 }]);
  });

  it('moves to loginRequired on invalid_grant and makes no further attempt for 24 simulated hours', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(180)] });
    h.supervisor.start();
    h.world.refreshMode = invalidGrant;
    await h.advance(24 * 3600_000);
    expect(h.world.refreshCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('loginRequired');
    const health = healthOf(h.child('gh').getSnapshot(), T0);
    expect(health).toMatchObject({
      level: 'unhealthy',
      summary: 'Login required',
      action: 'login',
    });
  });

  it('network failure → degraded → backoff 10 s → success → authenticated.refreshScheduled', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(180)] });
    h.supervisor.start();
    h.world.refreshMode = network;
    await h.advance(144_000);
    expect(h.state('gh')).toBe('degraded.waiting');
    const snap = h.child('gh').getSnapshot();
    expect(healthOf(snap, T0 + 144_000)).toEqual({
      level: 'degraded',
      summary: 'Token refresh pending',
      detail: 'Refresh retry 1 in 10s: connection timeout',
      action: 'view_logs',
    });
    h.world.refreshMode = 'ok';
    await h.advance(10_000);
    expect(h.world.refreshCalls.map((c) => secondsSince(c.at, T0))).toEqual([144, 154]);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.child('gh').getSnapshot().context.failures).toBe(0);
  });

  it('backs off 10, 20, 40, 80, 160, 300, 300 s between consecutive failures', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    h.world.refreshMode = serverError;
    await h.advance(2880_000 + (10 + 20 + 40 + 80 + 160 + 300 + 300 + 300) * 1000);
    const attempts = h.world.refreshCalls.map((c) => c.at);
    const gaps = attempts.slice(1).map((at, i) => (at - attempts[i]!) / 1000);
    // The token expires at 3600 s, mid-way: retrying keeps the same counter and rules.
    expect(gaps).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('respects Retry-After when it is longer than the backoff', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    h.world.refreshMode = {
      result: 'failed_server_error',
      message: 'HTTP 503',
      retryAfterMs: 120_000,
    };
    await h.advance(2880_000 + 121_000);
    const [a, b] = h.world.refreshCalls.map((c) => c.at);
    expect((b! - a!) / 1000).toBe(120);
  });

  it('moves from degraded to retrying when the access token expires while refresh keeps failing', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(180)] });
    h.supervisor.start();
    h.world.refreshMode = network;
    await h.advance(180_000);
    expect(h.state('gh')).toBe('retrying');
    expect(healthOf(h.child('gh').getSnapshot(), T0 + 180_000)).toMatchObject({
      level: 'unhealthy',
      summary: 'Token expired',
    });
    h.world.refreshMode = 'ok';
    await h.advance(600_000);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  });

  it('never refreshes twice within min_interval, even on repeated 401s', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    await h.advance(0);
    for (let i = 0; i < 20; i++) {
      h.child('gh').send({ type: 'upstream.unauthorized' });
      await h.advance(1_000);
    }
    const at = h.world.refreshCalls.map((c) => c.at);
    expect(at.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(10_000);
  });

  it('joins a second login while one runs: one flow, one correlation id', async () => {
    const h = createHarness({ servers: [gh], configure: (w) => (w.manualLogin = true) });
    h.supervisor.start();
    await h.advance(0);
    h.child('gh').send({ type: 'auth.login' });
    await h.settle();
    const first = h.child('gh').getSnapshot().context.flow;
    for (let i = 0; i < 19; i++) h.child('gh').send({ type: 'auth.login', force: i % 2 === 0 });
    await h.settle();
    expect(h.world.loginCalls).toHaveLength(1);
    expect(h.child('gh').getSnapshot().context.flow).toEqual(first);
    expect(first?.authUrl).toMatch(/^https:\/\/as\.example\/authorize/);
    h.world.completeLogins();
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  });

  it('answers a login on an authenticated server without a flow unless forced', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    await h.advance(0);
    h.child('gh').send({ type: 'auth.login' });
    await h.settle();
    expect(h.world.loginCalls).toHaveLength(0);
    h.child('gh').send({ type: 'auth.login', force: true });
    await h.advance(0);
    expect(h.world.loginCalls).toHaveLength(1);
  });

  it('starts a flow for an unforced login while parked, even with a still-valid access token', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(180)] });
    h.supervisor.start();
    h.world.refreshMode = invalidGrant;
    await h.advance(150_000); // refresh at 144 s rejected; the access token lives until 180 s
    expect(h.state('gh')).toBe('loginRequired');
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(0);
    expect(h.world.loginCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  });

  it('fails a login that is not completed within 5 minutes back to loginRequired', async () => {
    const h = createHarness({ servers: [gh], configure: (w) => (w.manualLogin = true) });
    h.supervisor.start();
    await h.advance(0);
    h.child('gh').send({ type: 'auth.login' });
    await h.advance(299_000);
    expect(h.state('gh')).toBe('loggingIn');
    await h.advance(1_000);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.child('gh').getSnapshot().context.loginReason).toBe('Login timed out');
  });

  it('logout clears the tokens through the supervisor and parks the server', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    await h.advance(0);
    h.child('gh').send({ type: 'auth.logout' });
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.store.records.get(gh.serverKey)?.tokens).toBeNull();
  });

  it('a corrupt stored record parks the server with a detail naming the problem', async () => {
    const h = createHarness({
      servers: [gh],
      corrupt: { [gh.serverKey]: 'record gh_x cannot be decoded' },
    });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    expect(healthOf(h.child('gh').getSnapshot(), T0).detail).toBe('record gh_x cannot be decoded');
  });

  it('a failed commit keeps the old refresh token in use and leaves the server degraded, not crashed', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    await h.advance(0);
    h.store.failCommits = true;
    await h.advance(2880_000);
    expect(h.state('gh')).toBe('degraded.waiting');
    const ctx = h.child('gh').getSnapshot().context;
    expect(ctx.record?.tokens?.refresh_token).toBe('rt-seed-gh');
    expect(ctx.lastError).toMatch(/Token store unavailable/);
    h.store.failCommits = false;
    await h.advance(10_000);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
    expect(h.child('gh').getSnapshot().context.record?.tokens?.refresh_token).toBe(
      h.store.records.get(gh.serverKey)?.tokens?.refresh_token,
    );
  });

  it('stops retrying when the refresh token itself has expired', async () => {
    const record = { ...fresh(180), refresh_expires_at: T0 + 200_000 };
    const h = createHarness({ servers: [gh], records: [record] });
    h.supervisor.start();
    h.world.refreshMode = network;
    await h.advance(24 * 3600_000);
    expect(h.state('gh')).toBe('loginRequired');
    const calls = h.world.refreshCalls.length;
    await h.advance(3600_000);
    expect(h.world.refreshCalls).toHaveLength(calls);
  });

  it('wakes a parked server when another process commits a login', async () => {
    const h = createHarness({ servers: [gh] });
    h.supervisor.start();
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    h.supervisor.send({
      type: 'store.changed',
      serverKey: gh.serverKey,
      record: { ...fresh(3600), generation: 5 },
    });
    await h.advance(0);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  });

  it('on clock.jumped refreshes an expired token at once', async () => {
    const h = createHarness({ servers: [gh], records: [fresh(3600)] });
    h.supervisor.start();
    await h.advance(0);
    // The laptop slept: wall time moved 3 h, timers did not.
    const clockState = h.clock as unknown as { _now: number };
    clockState._now += 3 * 3600_000;
    h.supervisor.send({ type: 'clock.jumped' });
    await h.advance(0);
    expect(h.world.refreshCalls).toHaveLength(1);
    expect(h.state('gh')).toBe('authenticated.refreshScheduled');
  });
});
