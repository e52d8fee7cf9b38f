/**
 * Earlier-only refresh jitter (SPEC §3a) applies to servers that share an authorization server:
 * seeded (deterministic), ≤ 5 % of the lifetime, never later than the threshold; a server alone
 * on its issuer refreshes exactly at the threshold. The supervisor re-tunes children when
 * servers start or stop sharing an issuer.
 */
import { describe, expect, it } from 'vitest';
import { jitterFor } from '../../machines/supervisor/jitter.js';
import {
  createHarness,
  oauthEntry,
  recordWithToken,
  spec,
  T0,
} from '../helpers/machine-harness.js';

const SEED = 7;
const [a, b, c] = ['a', 'b', 'c'].map((name) => spec(oauthEntry(name)));

function issuedBy(s: typeof a, issuer: string | null) {
  return { ...recordWithToken(s!.serverKey, s!.entry.name, T0, 3600), issuer };
}

const jitterOf = (h: ReturnType<typeof createHarness>, name: string) =>
  h.child(name).getSnapshot().context.jitter as number;

describe('shared-issuer jitter', () => {
  it('refreshes servers sharing an issuer up to 5 % earlier, seeded; a lone server exactly at 80 %', async () => {
    const h = createHarness({
      servers: [a!, b!, c!],
      records: [
        issuedBy(a!, 'https://as.example'),
        issuedBy(b!, 'https://as.example'),
        issuedBy(c!, 'https://other.example'),
      ],
      maxJitter: 0.05,
      jitterSeed: SEED,
    });
    h.supervisor.start();
    await h.advance(2880_000);
    const first = (name: string) => h.world.refreshCalls.find((call) => call.name === name)!.at;
    for (const name of ['a', 'b']) {
      const j = jitterFor(name, SEED, 0.05);
      expect(j).toBeGreaterThan(0);
      expect(j).toBeLessThanOrEqual(0.05);
      expect(jitterOf(h, name)).toBe(j);
      expect(first(name)).toBe(Math.floor(T0 + (0.8 - j) * 3600_000));
    }
    expect(first('a')).not.toBe(first('b'));
    expect(jitterOf(h, 'c')).toBe(0);
    expect(first('c')).toBe(T0 + 2880_000);
  });

  it('re-tunes when a server starts or stops sharing its issuer', async () => {
    const h = createHarness({
      servers: [a!, b!],
      records: [issuedBy(a!, 'https://as.example'), issuedBy(b!, null)],
      maxJitter: 0.05,
      jitterSeed: SEED,
    });
    h.supervisor.start();
    await h.advance(0);
    expect(jitterOf(h, 'a')).toBe(0);
    expect(jitterOf(h, 'b')).toBe(0);

    // b's tokens now come from the same AS (a login, here committed by another process).
    h.supervisor.send({
      type: 'store.changed',
      serverKey: b!.serverKey,
      record: { ...issuedBy(b!, 'https://as.example'), generation: 2 },
    });
    await h.advance(0);
    expect(jitterOf(h, 'a')).toBe(jitterFor('a', SEED, 0.05));
    expect(jitterOf(h, 'b')).toBe(jitterFor('b', SEED, 0.05));
    expect(h.state('a')).toBe('authenticated.refreshScheduled');

    // b leaves the config: a is alone again and goes back to the exact threshold.
    h.supervisor.send({ type: 'config.updated', servers: [a!] });
    await h.advance(0);
    expect(jitterOf(h, 'a')).toBe(0);
    await h.advance(2880_000);
    expect(h.world.refreshCalls.find((call) => call.name === 'a')?.at).toBe(T0 + 2880_000);
  });
});
