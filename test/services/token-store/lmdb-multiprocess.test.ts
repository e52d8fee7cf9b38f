/**
 * @module LMDB token store across real processes: concurrent compare-and-swap writers, the lease
 * as mutual exclusion, and change detection by polling.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../services/token-store/lmdb-store.js';
import type { LmdbTokenStore } from '../../../services/token-store/lmdb-store.js';
import type { StoreChange } from '../../../services/token-store/token-store.js';
import { tmpDirs } from '../../helpers/tmp-dir.js';
import { fixtureResult, GITHUB, KEY, KEY_HEX, runFixture, waitFor } from './support.js';

const dirs = tmpDirs('mcpproxy-multiproc-');
const stores: LmdbTokenStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await dirs.cleanup();
});

interface WorkerResult {
  commits: number;
  losses: number;
  leaseViolations: number;
  leaseDenials: number;
}

/** Runs two workers that start their loops at the same moment. */
async function runWorkers(dataDir: string, key: string, count: number, mode: 'cas' | 'lease') {
  const barrierDir = join(dataDir, '..', 'barrier');
  const runs = await Promise.all(
    ['proc-a', 'proc-b'].map((owner) =>
      runFixture('cas-worker.ts', [
        dataDir,
        KEY_HEX,
        key,
        String(count),
        owner,
        mode,
        barrierDir,
        '2',
      ]),
    ),
  );
  return runs.map((run) => fixtureResult<WorkerResult>(run));
}

describe('two processes on one store', () => {
  it('never lose an update: every successful CAS is one generation and one increment', async () => {
    const dataDir = join(await dirs.make(), 'data');

    const results = await runWorkers(dataDir, GITHUB, 200, 'cas');

    const store = await openLmdbStore({ dataDir, encryptionKey: KEY });
    stores.push(store);
    const read = await store.read(GITHUB);
    if (read.status !== 'found') throw new Error(`record is ${read.status}`);
    expect(results.map((r) => r.commits)).toEqual([200, 200]);
    expect(read.record.generation).toBe(400);
    expect(read.record.tokens?.counter).toBe(400);
    // The writers really raced: some of their commits were refused and retried.
    expect(results[0].losses + results[1].losses).toBeGreaterThan(0);
  });

  it('exclude each other with the refresh lease: a lease holder never loses its commit', async () => {
    const dataDir = join(await dirs.make(), 'data');

    const results = await runWorkers(dataDir, GITHUB, 50, 'lease');

    const store = await openLmdbStore({ dataDir, encryptionKey: KEY });
    stores.push(store);
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.generation).toBe(100);
    expect(results.map((r) => r.leaseViolations)).toEqual([0, 0]);
    expect(results[0].leaseDenials + results[1].leaseDenials).toBeGreaterThan(0);
  });

  it("notices another process's put and delete within the poll interval", async () => {
    const dataDir = await dirs.make();
    const store = await openLmdbStore({ dataDir, encryptionKey: KEY, pollIntervalMs: 100 });
    stores.push(store);
    const seen: StoreChange[] = [];
    store.watch((change) => seen.push(change));

    const put = fixtureResult<{ generation: number }>(
      await runFixture('writer.ts', [dataDir, KEY_HEX, 'put', GITHUB, 'at-from-child']),
    );
    // The child has exited: its commit is durable, so one poll interval plus slack suffices.
    await waitFor(() => seen.length >= 1, 1000, 'the put to be seen');
    fixtureResult(await runFixture('writer.ts', [dataDir, KEY_HEX, 'delete', GITHUB]));
    await waitFor(() => seen.length >= 2, 1000, 'the delete to be seen');

    expect(seen[0].serverKey).toBe(GITHUB);
    expect(seen[0].record?.tokens?.access_token).toBe('at-from-child');
    expect(seen[0].record?.generation).toBe(put.generation);
    expect(seen[1]).toEqual({ serverKey: GITHUB, record: null });
    expect(seen).toHaveLength(2);
  });
});
