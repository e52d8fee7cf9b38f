/**
 * Refresh-token lifetime (SPEC §3a) under the SimulatedClock: the lifetime the AS states is
 * stored; health warns (degraded, action login) from T−24 h; at T the server is parked with
 * "Refresh token expired on <date>" and no request is spent on the dead refresh token.
 */
import { describe, expect, it } from 'vitest';
import { healthOf } from '../../machines/upstream/health.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';
import { laptop, recordSnapshots } from './support.js';

const gh = spec(oauthEntry('gh'));
const HOUR = 3600_000;
const network = { result: 'failed_network' as const, message: 'connection refused' };

/** A record whose refresh token the AS said runs out at `refreshExpiresAt`. */
function expiring(ttlS: number, refreshExpiresAt: number) {
  return { ...recordWithToken(gh.serverKey, 'gh', T0, ttlS), refresh_expires_at: refreshExpiresAt };
}

describe('refresh-token lifetime', () => {
  it('stores the lifetime the AS states (refresh_token_expires_in or refresh_expires_in)', async () => {
    for (const field of ['refresh_token_expires_in', 'refresh_expires_in']) {
      const h = createHarness({
        servers: [gh],
        configure: (world) => {
          const issue = world.issue.bind(world);
          world.issue = (extra = {}) => ({ ...issue(extra), [field]: 48 * 3600 });
        },
      });
      h.supervisor.start();
      await h.advance(0);
      h.child('gh').send({ type: 'auth.login' });
      await h.advance(0);
      expect(h.state('gh')).toBe('authenticated.refreshScheduled');
      expect(h.store.records.get(gh.serverKey)?.refresh_expires_at).toBe(T0 + 48 * HOUR);
    }
  });

  it('warns from T−24 h (degraded, action login) and parks at T with the date, spending no request on it', async () => {
    const T = T0 + 48 * HOUR;
    // Without rotation the refresh token, and its lifetime, stay the same across refreshes.
    const h = createHarness({
      servers: [gh],
      records: [expiring(3500, T)],
      configure: (world) => {
        world.rotate = false;
        world.accessTtlS = 3500;
      },
    });
    h.supervisor.start();
    await h.settle();
    const seen = recordSnapshots(h.child('gh'), h.world.now);
    await h.advance(24 * HOUR - 1_000);
    expect(seen.every((s) => s.health.level === 'healthy')).toBe(true);

    await h.advance(1_000);
    // A snapshot is taken at exactly T−24 h (no refresh is due then), so SSE and metrics see it.
    const warned = seen.find((s) => s.health.level !== 'healthy')!;
    expect(warned.at).toBe(T - 24 * HOUR);
    expect(warned.state).toBe('authenticated.refreshScheduled');
    expect(warned.health).toEqual({
      level: 'degraded',
      summary: 'Login needed within 24 h',
      detail: 'Refresh token expires at 2026-11-26T12:00:00Z',
      action: 'login',
    });
    await h.advance(HOUR);
    expect(healthOf(h.child('gh').getSnapshot(), h.world.now()).summary).toBe(
      'Login needed within 23 h',
    );

    await h.advance(T - h.world.now() - 1_000);
    expect(h.state('gh')).toMatch(/^authenticated\./);
    await h.advance(1_000);
    const parked = seen.find((s) => s.state === 'loginRequired')!;
    expect(parked.at).toBe(T);
    expect(parked.health).toEqual({
      level: 'unhealthy',
      summary: 'Login required',
      detail: 'Refresh token expired on 2026-11-26T12:00:00Z - login required',
      action: 'login',
    });
    expect(h.world.refreshCalls.every((c) => c.at < T)).toBe(true);
    // The warning changes nothing else: refreshes go on every 2800 s until T.
    expect(h.world.refreshCalls.filter((c) => c.at >= T - 24 * HOUR)).toHaveLength(31);
    await h.advance(24 * HOUR);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.world.refreshCalls.every((c) => c.at < T)).toBe(true);
    expect(h.world.loginCalls).toHaveLength(0);
  });

  it('parks at T even while a long-lived access token needs no refresh before it', async () => {
    const T = T0 + 2 * HOUR;
    const h = createHarness({ servers: [gh], records: [expiring(30 * 24 * 3600, T)] });
    h.supervisor.start();
    await h.settle();
    const seen = recordSnapshots(h.child('gh'), h.world.now);
    await h.advance(2 * HOUR - 1_000);
    expect(healthOf(h.child('gh').getSnapshot(), h.world.now())).toMatchObject({
      level: 'degraded',
      summary: 'Login needed within 0 h',
      action: 'login',
    });
    await h.advance(1_000);
    expect(seen.find((s) => s.state === 'loginRequired')?.at).toBe(T);
    expect(h.world.refreshCalls).toHaveLength(0);
  });

  it('stops the backoff of a failing refresh at T, not at the next retry', async () => {
    const T = T0 + 2_915_000;
    const h = createHarness({ servers: [gh], records: [expiring(3600, T)] });
    h.supervisor.start();
    h.world.refreshMode = network;
    await h.settle();
    const seen = recordSnapshots(h.child('gh'), h.world.now);
    await h.advance(3 * HOUR);
    // Attempts at 2880, 2890 and 2910 s failed; the one planned for 2950 s is never made.
    expect(h.world.refreshCalls.map((c) => (c.at - T0) / 1000)).toEqual([2880, 2890, 2910]);
    const parked = seen.find((s) => s.state === 'loginRequired')!;
    expect(parked.at).toBe(T);
    expect(parked.health.detail).toBe(
      'Refresh token expired on 2026-11-24T12:48:35Z - login required',
    );
  });

  it('a laptop that sleeps past T parks the server on wake without a request', async () => {
    const T = T0 + 5 * HOUR;
    const h = createHarness({
      servers: [gh],
      records: [expiring(3600, T)],
      configure: (world) => (world.rotate = false),
    });
    h.supervisor.start();
    await h.advance(HOUR);
    const calls = h.world.refreshCalls.length;
    laptop(h).sleep(6 * HOUR);
    h.supervisor.send({ type: 'clock.jumped' });
    await h.advance(0);
    expect(h.state('gh')).toBe('loginRequired');
    expect(h.world.refreshCalls).toHaveLength(calls);
    expect(h.child('gh').getSnapshot().context.loginReason).toBe(
      'Refresh token expired on 2026-11-24T17:00:00Z - login required',
    );
  });
});
