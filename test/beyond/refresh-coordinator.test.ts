/**
 * The cross-process refresh coordinator on the real LMDB store: the version is checked before a
 * redeem, a live lease of another process means "wait for its commit and adopt it", a dead
 * holder's lease runs out, and a waiter whose actor is gone stops at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { withTokens } from '../../machines/upstream/token-record.js';
import { createRefreshCoordinator } from '../../services/runtime/refresh-coordinator.js';
import { openLmdbStore, type LmdbTokenStore } from '../../services/token-store/lmdb-store.js';
import { tmpDirs } from '../helpers/tmp-dir.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { GITHUB, KEY, loggedIn } from '../services/token-store/support.js';

const dirs = tmpDirs('mcpproxy-coordinator-');
let store: LmdbTokenStore | undefined;
afterEach(async () => {
  await store?.close();
  await dirs.cleanup();
});

async function setup(leaseMs = 30_000) {
  store = await openLmdbStore({ dataDir: await dirs.make(), encryptionKey: KEY });
  const stored = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
  const log = memoryLogger();
  const coordinator = createRefreshCoordinator({
    store,
    ownerId: 'me',
    logger: log.logger,
    leaseMs,
    pollMs: 20,
  });
  return { store, stored, coordinator, lines: log.lines };
}

describe('refresh coordinator', () => {
  it('takes the lease and hands back the stored record (the version checked before the redeem)', async () => {
    const { store, stored, coordinator } = await setup();
    await store.put(
      withTokens(
        stored,
        { access_token: 'at-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-2' },
        Date.now(),
      ),
    );
    const current = await coordinator.beforeRedeem(GITHUB);
    expect(current?.tokens?.refresh_token).toBe('rt-2');
    expect(await store.acquireLease(GITHUB, 'other', 1_000)).toBe(false);
  });

  it('waits while another process holds the lease, says so once, and adopts its commit', async () => {
    const { store, stored, coordinator, lines } = await setup();
    expect(await store.acquireLease(GITHUB, 'other', 30_000)).toBe(true);
    const waiting = coordinator.beforeRedeem(GITHUB);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.commit(
      withTokens(
        stored,
        { access_token: 'at-o', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-o' },
        Date.now(),
      ),
      stored.generation,
    );
    const adopted = await waiting;
    expect(adopted?.tokens?.refresh_token).toBe('rt-o');
    expect(adopted!.generation).toBe(stored.generation + 1);
    // The wait is said once, so a restart behind a dead process's lease is not silent.
    const waits = lines.filter((line) => String(line.msg).startsWith('Another process holds'));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ level: 30, server_key: GITHUB, wait_ms: 30_020 });
  });

  it("takes over when a dead holder's lease runs out", async () => {
    const { store, coordinator } = await setup(300);
    expect(await store.acquireLease(GITHUB, 'dead', 300)).toBe(true);
    const started = Date.now();
    const current = await coordinator.beforeRedeem(GITHUB);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(current?.tokens?.refresh_token).toBe('rt-1');
    expect(await store.acquireLease(GITHUB, 'other', 1_000)).toBe(false);
  });

  it.each([
    ['before the lease is taken', false],
    ['while another process holds the lease', true],
  ])(
    "adopts a newer record noting another process's refused refresh, %s, though its access token expired, and keeps no lease",
    async (_when, leaseFirst) => {
      const { store, stored, coordinator } = await setup();
      // Another process redeemed the same refresh token, was refused, and noted it.
      const noted = async () =>
        store.commit(
          {
            ...withTokens(
              stored,
              { access_token: 'at-1', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt-1' },
              Date.now() - 3_600_000,
            ),
            last_refresh: {
              result: 'failed_invalid_grant',
              at: Date.now(),
              error: 'invalid_grant',
            },
          },
          stored.generation,
        );
      let expected: unknown;
      if (leaseFirst) {
        // It commits while this process waits for the lease it held.
        expect(await store.acquireLease(GITHUB, 'other', 30_000)).toBe(true);
        const waiting = coordinator.prepareRedeem(GITHUB, undefined, stored.generation);
        await new Promise((resolve) => setTimeout(resolve, 60));
        expected = await noted();
        await store.releaseLease(GITHUB, 'other');
        const decision = await waiting;
        expect(decision).toEqual({ adopt: (expected as { record: unknown }).record });
      } else {
        expected = await noted();
        const decision = await coordinator.prepareRedeem(GITHUB, undefined, stored.generation);
        expect(decision).toEqual({ adopt: (expected as { record: unknown }).record });
      }
      expect(await store.acquireLease(GITHUB, 'other', 1_000)).toBe(true);
    },
  );

  it('stops waiting as soon as the refresh actor is gone', async () => {
    const { store, coordinator } = await setup();
    expect(await store.acquireLease(GITHUB, 'other', 30_000)).toBe(true);
    const controller = new AbortController();
    const waiting = coordinator.beforeRedeem(GITHUB, controller.signal);
    setTimeout(() => controller.abort(new Error('state left')), 100);
    const started = Date.now();
    await expect(waiting).rejects.toThrow('state left');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
