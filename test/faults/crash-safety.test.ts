/**
 * @module Crash safety (SPEC §3, §3a): `kill -9` of `serve` at seeded random moments of refresh
 * cycles with rotation and reuse detection on. After every restart the server reconnects from the
 * store without a login, the AS never sees a reused refresh token, and the store always opens.
 * The long run (50 cycles) is `npm run test:soak`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { runCrashCycles, seedLogin, type CrashCycle } from './support/crash-cycles.js';

const CYCLES = 5;
const SEED = Number(process.env.CRASH_SEED ?? 20261125);
let as: OAuthTestServer;
let dir: string;
let cycles: CrashCycle[];

beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-crash-');
  // 4 s tokens, refreshed every 3.2 s: long enough that a slow handshake on a busy machine
  // does not see its fresh token expire.
  as = await startOAuthTestServer({ accessTokenTtlS: 4, rotateRefreshTokens: true });
  await seedLogin({ as, dataDir: dir, name: 'rot' });
  cycles = await runCrashCycles({
    as,
    dataDir: dir,
    name: 'rot',
    cycles: CYCLES,
    seed: SEED,
    periodMs: 3200,
  });
}, 300_000);

afterAll(async () => {
  await as?.stop();
  if (dir) await removeTmpDir(dir);
});

describe(`kill -9 during refresh cycles (${CYCLES} cycles, seed ${SEED})`, () => {
  it('the store opens and decrypts after every kill', () => {
    expect(cycles.map((c) => c.storeStatus)).toEqual(cycles.map(() => 'found'));
  });

  it('every restart reconnects without a login', () => {
    const survivable = cycles.filter((c, i) => i === 0 || !cycles[i - 1]!.lostResponse);
    expect(
      survivable.every((c) => c.reconnected && c.logins === 0),
      JSON.stringify(cycles),
    ).toBe(true);
  });

  it('the AS never sees a reused refresh token (outside a response lost in flight)', () => {
    for (const [i, cycle] of cycles.entries()) {
      const afterLoss = i > 0 && cycles[i - 1]!.lostResponse;
      expect(cycle.reusedAtAs, JSON.stringify(cycle)).toBe(afterLoss ? cycle.reusedAtAs : 0);
      if (afterLoss)
        expect(cycle.parkedAfterLoss, 'a lost response ends in loginRequired').toBe(true);
    }
    expect(
      as.grants().filter((g) => g.revoked && !/reuse/.test(g.revoked_reason ?? '')).length,
    ).toBe(0);
  });

  it('refreshes really happened across the cycles (rotation exercised)', () => {
    // Not one per cycle, and not a fixed share: a kill aimed up to 150 ms before the refresh
    // moment, a random one early in the period, or a refresh timer delayed past the kill on a
    // loaded machine (2 refreshes in 5 cycles in a full test run beside two busy cores) ends a cycle
    // before the AS answers. The 50-cycle run of `npm run test:soak` counts them at length.
    expect(
      cycles.reduce((n, c) => n + c.refreshes, 0),
      JSON.stringify(
        cycles.map((c) => ({ aim: c.aim, killAfterMs: c.killAfterMs, refreshes: c.refreshes })),
      ),
    ).toBeGreaterThanOrEqual(1);
  });
});
