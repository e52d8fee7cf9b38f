/**
 * 50 servers on one authorization server, a laptop that sleeps 3 hours (SPEC §3a), under the
 * SimulatedClock: the sleep/wake detector (injected clock pair) sees the jump, the supervisor
 * forwards `clock.jumped` to every child, every expired token is refreshed at once within the
 * per-AS budget (30 per rolling minute, queued most-urgent first), no request meets the AS's
 * rate limit, each server keeps its own min-interval spacing, and all are healthy again.
 */
import { describe, expect, it } from 'vitest';
import { healthOf } from '../../machines/upstream/health.js';
import { createJumpDetector } from '../../services/runtime/clock-jump.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';
import { laptop } from './support.js';

const HOUR = 3600_000;
const ISSUER = 'https://as.example';
const servers = Array.from({ length: 50 }, (_, i) =>
  spec(oauthEntry(`s${String(i).padStart(2, '0')}`)),
);
const records = servers.map((s, i) => ({
  ...recordWithToken(s.serverKey, s.entry.name, T0 - i * 20_000, 3600),
  issuer: ISSUER,
}));

const maxInAnyMinute = (times: number[]) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));

function fleet(budgetPerMinute: number | undefined) {
  const h = createHarness({ servers, records, maxJitter: 0.05, budgetPerMinute });
  h.world.rateLimitPerMinute = 30;
  h.world.accessTtlS = 3600;
  return h;
}

/** Runs the fleet for an hour, sleeps 3 h, lets the detector fire, and returns the wake time. */
async function sleepAndWake(h: ReturnType<typeof fleet>) {
  h.supervisor.start();
  await h.advance(HOUR);
  const lap = laptop(h);
  const detector = createJumpDetector(lap.clocks, 30_000);
  lap.sleep(3 * HOUR);
  const drift = detector.check();
  expect(drift).toBe(3 * HOUR);
  const wokeAt = h.world.now();
  const expiries = new Map(
    servers.map((s) => [
      s.entry.name,
      h.child(s.entry.name).getSnapshot().context.record.expires_at as number,
    ]),
  );
  h.supervisor.send({ type: 'clock.jumped' });
  return { wokeAt, expiries };
}

describe('50 servers on one AS wake from a 3-hour sleep', () => {
  it('refresh every expired token within the budget, none rate-limited, all healthy again', async () => {
    const h = fleet(30);
    const { wokeAt, expiries } = await sleepAndWake(h);
    // Before the sleep every server refreshed once, spread by the stagger and the seeded jitter.
    const before = h.world.refreshCalls.filter((c) => c.at < wokeAt);
    expect(new Set(before.map((c) => c.name)).size).toBe(50);
    for (const name of expiries.keys()) expect(expiries.get(name)!).toBeLessThan(wokeAt);

    await h.advance(5 * 60_000);
    const burst = h.world.refreshCalls.filter((c) => c.at >= wokeAt && c.at < wokeAt + 5 * 60_000);
    expect(burst).toHaveLength(50);
    expect(new Set(burst.map((c) => c.name)).size).toBe(50);
    // Budget: 30 go out on wake, the other 20 when the minute rolls over, none later.
    expect(burst.filter((c) => c.at === wokeAt)).toHaveLength(30);
    expect(burst.filter((c) => c.at === wokeAt + 60_000)).toHaveLength(20);
    // Queued ones went out most urgent first (the access token that expired first).
    const queued = burst.slice(30).map((c) => expiries.get(c.name)!);
    expect(queued).toEqual([...queued].sort((x, y) => x - y));

    const all = h.world.refreshCalls;
    expect(maxInAnyMinute(all.map((c) => c.at))).toBeLessThanOrEqual(30);
    expect(h.world.rateLimited).toEqual([]);
    for (const s of servers) {
      const mine = all.filter((c) => c.name === s.entry.name).map((c) => c.at);
      for (let k = 1; k < mine.length; k++)
        expect(mine[k]! - mine[k - 1]!).toBeGreaterThanOrEqual(10_000);
      const snapshot = h.child(s.entry.name).getSnapshot();
      expect(h.state(s.entry.name)).toBe('authenticated.refreshScheduled');
      expect(snapshot.context.failures).toBe(0);
      expect(healthOf(snapshot, h.world.now()).level).toBe('healthy');
      expect(snapshot.context.record.expires_at).toBeGreaterThan(h.world.now());
    }
    expect(h.world.loginCalls).toHaveLength(0);
  });

  it('without the budget the same wake trips the AS rate limit (what the budget prevents)', async () => {
    const h = fleet(undefined);
    const { wokeAt } = await sleepAndWake(h);
    await h.advance(60_000);
    expect(h.world.refreshCalls.filter((c) => c.at === wokeAt)).toHaveLength(50);
    expect(h.world.rateLimited.length).toBeGreaterThanOrEqual(20);
  });
});
