/** @module LMDB token store: the shared store contract, then its watch (own writes, other handles). */
import { afterEach, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../services/token-store/lmdb-store.js';
import type { LmdbTokenStore } from '../../../services/token-store/lmdb-store.js';
import type { StoreChange } from '../../../services/token-store/token-store.js';
import { tmpDirs } from '../../helpers/tmp-dir.js';
import { tokenStoreContract } from './store-contract.js';
import { GITHUB, KEY, LINEAR, loggedIn } from './support.js';

const dirs = tmpDirs('mcpproxy-store-');
const open: LmdbTokenStore[] = [];

async function openStore(dataDir?: string): Promise<LmdbTokenStore> {
  const store = await openLmdbStore({
    dataDir: dataDir ?? (await dirs.make()),
    encryptionKey: KEY,
  });
  open.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await dirs.cleanup();
});

describe('LMDB token store', () => {
  tokenStoreContract({
    newLocation: () => dirs.make(),
    openStore,
    openUntracked: (dataDir) => openLmdbStore({ dataDir, encryptionKey: KEY }),
  });

  it('commits the writes asked for in one turn together, and a refused one undoes only itself', async () => {
    const store = await openStore();
    const first = await store.put(loggedIn(GITHUB, 'at-1'));
    const bad = { ...loggedIn(LINEAR, 'at-bad'), scopes: 'repo' as unknown as string[] };
    const [commit, refused, lease, put, stale] = await Promise.allSettled([
      store.commit(loggedIn(GITHUB, 'at-2'), first.generation),
      store.put(bad),
      store.acquireLease(LINEAR, 'me', 10_000),
      store.put(loggedIn(LINEAR, 'at-3')),
      store.commit(loggedIn(GITHUB, 'at-stale'), first.generation), // sees the commit before it
    ]);

    expect(commit).toMatchObject({ status: 'fulfilled', value: { committed: true } });
    expect(refused).toMatchObject({ status: 'rejected' });
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/invalid token record/);
    expect(lease).toEqual({ status: 'fulfilled', value: true });
    expect(put).toMatchObject({ status: 'fulfilled', value: { generation: 1 } });
    expect(stale).toMatchObject({ status: 'fulfilled', value: { committed: false } });
    // What another handle reads: the turn's writes are committed, the refused one left nothing.
    const other = await openStore(store.path.replace(/\/[^/]+$/, ''));
    expect(await other.read(GITHUB)).toMatchObject({
      status: 'found',
      record: { generation: 2, tokens: { access_token: 'at-2' } },
    });
    expect(await other.read(LINEAR)).toMatchObject({
      status: 'found',
      record: { generation: 1, tokens: { access_token: 'at-3' } },
    });
  });

  it('tells watchers about its own puts, commits and deletes right away', async () => {
    const store = await openStore();
    const seen: StoreChange[] = [];
    const stop = store.watch((change) => seen.push(change));

    const put = await store.put(loggedIn(GITHUB, 'at-1'));
    const commit = await store.commit(loggedIn(GITHUB, 'at-2'), put.generation);
    await store.commit(loggedIn(GITHUB, 'at-3'), 0); // lost: no change
    await store.delete(GITHUB);
    stop();
    await store.put(loggedIn(LINEAR, 'at-4'));

    expect(seen).toEqual([
      { serverKey: GITHUB, record: put },
      { serverKey: GITHUB, record: commit.committed && commit.record },
      { serverKey: GITHUB, record: null },
    ]);
  });

  it('sees changes made through another handle on the same store, once each', async () => {
    const dataDir = await dirs.make();
    const mine = await openStore(dataDir);
    const theirs = await openStore(dataDir);
    await mine.put(loggedIn(LINEAR, 'at-unchanged'));
    const seen: StoreChange[] = [];
    mine.watch((change) => seen.push(change));

    const written = await theirs.put(loggedIn(GITHUB, 'at-theirs'));
    mine.checkForChanges();
    mine.checkForChanges();
    await theirs.delete(GITHUB);
    mine.checkForChanges();

    expect(seen).toEqual([
      { serverKey: GITHUB, record: written },
      { serverKey: GITHUB, record: null },
    ]);
  });

  it('keeps notifying other watchers when one listener throws', async () => {
    const errors: unknown[] = [];
    const store = await openLmdbStore({
      dataDir: await dirs.make(),
      encryptionKey: KEY,
      onError: (error) => errors.push(error),
    });
    open.push(store);
    const seen: string[] = [];
    store.watch(() => {
      throw new Error('listener bug');
    });
    store.watch((change) => seen.push(change.serverKey));

    await store.put(loggedIn(GITHUB, 'at-1'));

    expect(seen).toEqual([GITHUB]);
    expect(errors).toHaveLength(1);
  });
});
