/**
 * @module Soak: 50 `kill -9` cycles of `serve` during refreshes with rotation and reuse detection
 * (test/faults/support/crash-cycles.ts): the store always opens, every restart after a survivable
 * crash reconnects without a login, and the AS never sees a reused refresh token except after a
 * response lost in flight (counted and reported).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { runCrashCycles, seedLogin, type CrashCycle } from '../faults/support/crash-cycles.js';
import { report } from './support/report.js';

const CYCLES = 50;
const SEED = Number(process.env.CRASH_SEED ?? 50_2026);
let as: OAuthTestServer;
let dir: string;
let cycles: CrashCycle[];
let durationS: number;

beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-crash-soak-');
  // 4 s tokens, refreshed every 3.2 s: long enough that a slow handshake on a busy machine
  // does not see its fresh token expire.
  as = await startOAuthTestServer({ accessTokenTtlS: 4, rotateRefreshTokens: true });
  await seedLogin({ as, dataDir: dir, name: 'rot' });
  const started = Date.now();
  cycles = await runCrashCycles({
    as,
    dataDir: dir,
    name: 'rot',
    cycles: CYCLES,
    seed: SEED,
    periodMs: 3200,
  });
  durationS = Math.round((Date.now() - started) / 1000);
});

afterAll(async () => {
  await as?.stop();
  if (dir) await removeTmpDir(dir);
});

describe(`soak: ${CYCLES} kill -9 cycles (seed ${SEED})`, () => {
  it('store always readable; reconnect without login after every survivable crash; reuse only after a lost response', () => {
    const afterLoss = (i: number) => i > 0 && cycles[i - 1]!.lostResponse;
    expect(cycles.every((c) => c.storeReadable)).toBe(true);
    const survivable = cycles.filter((_, i) => !afterLoss(i));
    expect(survivable.every((c) => c.reconnected && c.logins === 0)).toBe(true);
    expect(cycles.filter((c, i) => !afterLoss(i) && c.reusedAtAs > 0)).toEqual([]);
    expect(cycles.filter((c, i) => afterLoss(i)).every((c) => c.parkedAfterLoss)).toBe(true);
    report('crash-50', {
      cycles: cycles.length,
      aimed_at_refresh: cycles.filter((c) => c.aim === 'refresh').length,
      store_readable: cycles.filter((c) => c.storeReadable).length,
      reconnected_without_login: survivable.filter((c) => c.reconnected).length,
      survivable: survivable.length,
      lost_responses: cycles.filter((c) => c.lostResponse).length,
      reuse_seen_at_as: cycles.reduce((n, c) => n + c.reusedAtAs, 0),
      refreshes: cycles.reduce((n, c) => n + c.refreshes, 0),
      duration_s: durationS,
    });
  });
});
