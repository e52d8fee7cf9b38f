/**
 * `commitRefresh` (SPEC §3a compare-and-swap) on the real LMDB store: the refreshed pair is
 * written only while the stored refresh token is still the redeemed one — also when the rotation
 * lands between its read and its write, and across two real processes racing on one data dir.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withTokens, type TokenRecord } from '../../machines/upstream/token-record.js';
import { commitRefresh } from '../../services/token-store/commit-refresh.js';
import { openLmdbStore, type LmdbTokenStore } from '../../services/token-store/lmdb-store.js';
import type { TokenStore } from '../../services/token-store/token-store.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import {
  fixtureResult,
  GITHUB,
  KEY,
  KEY_HEX,
  loggedIn,
  runFixture,
} from '../services/token-store/support.js';

const dirs = tmpDirs('mcpproxy-cas-');
const stores: LmdbTokenStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await dirs.cleanup();
});

async function open(dataDir?: string) {
  const store = await openLmdbStore({
    dataDir: dataDir ?? (await dirs.make()),
    encryptionKey: KEY,
  });
  stores.push(store);
  return store;
}

const rotate = (record: TokenRecord, name: string) =>
  withTokens(
    record,
    {
      access_token: `at-${name}`,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `rt-${name}`,
    },
    Date.now(),
  );

describe('commitRefresh', () => {
  it('wins while the stored refresh token is the redeemed one', async () => {
    const store = await open();
    const stored = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    const outcome = await commitRefresh(store, GITHUB, 'rt-1', rotate(stored, 'mine'));
    expect(outcome).toMatchObject({ won: true, record: { generation: stored.generation + 1 } });
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.refresh_token).toBe('rt-mine');
  });

  it('loses to a rotation committed by someone else and hands back the newer record', async () => {
    const store = await open();
    const stored = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await store.put(rotate(stored, 'theirs'));
    const outcome = await commitRefresh(store, GITHUB, 'rt-1', rotate(stored, 'mine'));
    expect(outcome.won).toBe(false);
    expect(!outcome.won && outcome.current?.tokens?.refresh_token).toBe('rt-theirs');
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.refresh_token).toBe('rt-theirs');
  });

  it('loses when the rotation lands between its read and its write (the check is in the write transaction)', async () => {
    const store = await open();
    const stored = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    const racing: TokenStore = {
      ...store,
      kind: store.kind,
      read: async (key) => {
        const result = await store.read(key);
        await store.put(rotate(stored, 'theirs')); // another process commits right after our read
        return result;
      },
      commit: (record, expected) => store.commit(record, expected),
    };
    const outcome = await commitRefresh(racing, GITHUB, 'rt-1', rotate(stored, 'mine'));
    expect(outcome.won).toBe(false);
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.refresh_token).toBe('rt-theirs');
  });

  it('loses when there is no record (logged out and deleted meanwhile)', async () => {
    const store = await open();
    const outcome = await commitRefresh(store, GITHUB, 'rt-1', loggedIn(GITHUB, 'at-2', 'rt-2'));
    expect(outcome).toEqual({ won: false, current: null });
    expect((await store.read(GITHUB)).status).toBe('missing');
  });

  it('two processes racing 2 × 100 rotations: every refresh token wins exactly once, the chain is unbroken', async () => {
    const dataDir = join(await dirs.make(), 'data');
    const seed = await open(dataDir);
    await seed.put(loggedIn(GITHUB, 'at-0', 'rt-0'));
    const barrierDir = join(dataDir, '..', 'barrier');
    const runs = await Promise.all(
      ['a', 'b'].map((owner) =>
        runFixture(
          '../../../beyond/fixtures/rotate-worker.ts',
          [dataDir, KEY_HEX, GITHUB, '100', owner, barrierDir, '2'],
          60_000,
        ),
      ),
    );
    const results = runs.map((run) => fixtureResult<{ redeemed: string[]; losses: number }>(run));
    const redeemed = results.flatMap((r) => r.redeemed);
    expect(redeemed).toHaveLength(200);
    expect(new Set(redeemed).size).toBe(200);
    expect(results[0]!.losses + results[1]!.losses).toBeGreaterThan(0);
    const read = await seed.read(GITHUB);
    if (read.status !== 'found') throw new Error(read.status);
    expect(read.record.generation).toBe(201);
    // The stored token is the newest: nobody redeemed it yet, and every other one was redeemed.
    expect(redeemed).not.toContain(read.record.tokens?.refresh_token);
    expect(redeemed).toContain('rt-0');
  });
});
