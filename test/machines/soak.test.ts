import { describe, expect, it } from 'vitest';
import { healthOf } from '../../machines/upstream/health.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

describe('SC-001: 24 simulated hours with 3-minute tokens', () => {
  it('keeps 10 servers healthy, refreshing each at 80 % of every token lifetime', async () => {
    const servers = Array.from({ length: 10 }, (_, i) => spec(oauthEntry(`s${i}`)));
    const records = servers.map((s, i) =>
      recordWithToken(s.serverKey, s.entry.name, T0 - i * 7_000, 180),
    );
    const h = createHarness({ servers, records });
    h.supervisor.start();
    await h.advance(0);

    const unhealthy: string[] = [];
    for (const s of servers) {
      h.child(s.entry.name).subscribe((snap) => {
        const health = healthOf(snap, h.world.now());
        if (health.level !== 'healthy') unhealthy.push(`${s.entry.name}: ${health.summary}`);
      });
    }

    await h.advance(24 * 3600_000);

    expect(unhealthy).toEqual([]);
    for (const [i, s] of servers.entries()) {
      const calls = h.world.refreshCalls.filter((c) => c.name === s.entry.name);
      // 24 h of 3-minute tokens is 480 lifetimes; refreshing at 80 % makes it 600 cycles.
      expect(calls.length).toBeGreaterThanOrEqual(480);
      expect(calls.length).toBe(600);
      const first = T0 - i * 7_000 + 144_000;
      expect(calls[0]!.at).toBe(first);
      for (let k = 1; k < calls.length; k++) {
        expect(calls[k]!.at - calls[k - 1]!.at).toBe(144_000);
      }
      expect(h.state(s.entry.name)).toBe('authenticated.refreshScheduled');
    }
  });
});
