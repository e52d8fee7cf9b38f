/** @module LMDB token store: the per-server refresh lease (SPEC §3a). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLmdbStore } from '../../../services/token-store/lmdb-store.js';
import type { LmdbTokenStore } from '../../../services/token-store/lmdb-store.js';
import { tmpDirs } from '../../helpers/tmp-dir.js';
import { GITHUB, KEY, LINEAR, loggedIn } from './support.js';

const dirs = tmpDirs('mcpproxy-lease-');
let store: LmdbTokenStore;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_800_000_000_000);
  store = await openLmdbStore({ dataDir: await dirs.make(), encryptionKey: KEY });
});

afterEach(async () => {
  vi.useRealTimers();
  await store.close();
  await dirs.cleanup();
});

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('refresh lease', () => {
  it('is granted to one owner and denied to another while live', async () => {
    expect(await store.acquireLease(GITHUB, 'proc-a', 10_000)).toBe(true);

    expect(await store.acquireLease(GITHUB, 'proc-b', 10_000)).toBe(false);
    expect(await store.acquireLease(LINEAR, 'proc-b', 10_000)).toBe(true);
  });

  it('can be renewed by its holder', async () => {
    await store.acquireLease(GITHUB, 'proc-a', 10_000);
    advance(9_000);

    expect(await store.acquireLease(GITHUB, 'proc-a', 10_000)).toBe(true);
    advance(9_000);
    expect(await store.acquireLease(GITHUB, 'proc-b', 10_000)).toBe(false);
  });

  it('expires, so a dead holder is replaced', async () => {
    await store.acquireLease(GITHUB, 'proc-a', 5_000);
    advance(4_999);
    expect(await store.acquireLease(GITHUB, 'proc-b', 5_000)).toBe(false);

    advance(2);

    expect(await store.acquireLease(GITHUB, 'proc-b', 5_000)).toBe(true);
    expect(await store.acquireLease(GITHUB, 'proc-a', 5_000)).toBe(false);
  });

  it('never lasts longer than 30 s, whatever was asked', async () => {
    await store.acquireLease(GITHUB, 'proc-a', 10 * 60_000);
    advance(30_001);

    expect(await store.acquireLease(GITHUB, 'proc-b', 1_000)).toBe(true);
  });

  it('is released by the commit of a refreshed token (acquire → refresh → commit)', async () => {
    const current = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    expect(await store.acquireLease(GITHUB, 'proc-a', 30_000)).toBe(true);

    const result = await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), current.generation);

    expect(result.committed).toBe(true);
    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(true);
  });

  it('survives a commit that keeps the tokens (the redemption may still be in flight)', async () => {
    const current = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await store.acquireLease(GITHUB, 'proc-a', 30_000);
    const outcome = {
      ...current,
      last_refresh: { result: 'failed_network' as const, at: Date.now() },
    };

    expect((await store.commit(outcome, current.generation)).committed).toBe(true);

    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(false);
  });

  it('survives a lost commit, and its holder can still release it', async () => {
    await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await store.acquireLease(GITHUB, 'proc-a', 30_000);

    expect((await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), 7)).committed).toBe(false);
    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(false);
    await store.releaseLease(GITHUB, 'proc-a');

    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(true);
  });

  it('is released only by its holder', async () => {
    await store.acquireLease(GITHUB, 'proc-a', 30_000);

    await store.releaseLease(GITHUB, 'proc-b');
    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(false);
    await store.releaseLease(GITHUB, 'proc-a');

    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(true);
  });

  it('ends when the record is deleted (logout)', async () => {
    await store.put(loggedIn(GITHUB, 'at-1'));
    await store.acquireLease(GITHUB, 'proc-a', 30_000);

    await store.delete(GITHUB);

    expect(await store.acquireLease(GITHUB, 'proc-b', 30_000)).toBe(true);
  });
});
