/**
 * @module The store actor writes a refresh outcome (`kind: outcome`, the note that the token
 * endpoint refused the held tokens' grant) as a compare-and-swap over the real LMDB store: it
 * lands on the generation the child held, and loses to any write made since (a login or a
 * rotation elsewhere), leaving that write as it is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreCommand } from '../../../machines/supervisor/supervisor.types.js';
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import { openLmdbStore } from '../../../services/token-store/index.js';
import type { TokenStore } from '../../../services/token-store/token-store.js';
import { waitFor } from '../../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../../helpers/tmp-dir.js';
import { runStoreActor } from '../../helpers/store-actor.js';
import { GITHUB, KEY, loggedIn } from '../token-store/support.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function lmdbStore(): Promise<TokenStore> {
  const dataDir = await makeTmpDir('mcpproxy-outcome-');
  cleanup.push(() => removeTmpDir(dataDir));
  const store = await openLmdbStore({ dataDir, encryptionKey: KEY });
  cleanup.push(() => store.close());
  return store;
}

const refused = (record: TokenRecord): TokenRecord => ({
  ...record,
  last_refresh: { result: 'failed_invalid_grant', at: 1, error: 'invalid_grant (revoked)' },
});

const note = (record: TokenRecord, expectedGeneration: number): StoreCommand => ({
  type: 'store.save',
  name: 'github',
  kind: 'outcome',
  record: refused(record),
  expectedGeneration,
  correlationId: 'c-1',
});

describe('store actor: a refresh outcome', () => {
  it('is committed on the generation the child held, tokens unchanged', async () => {
    const store = await lmdbStore();
    const held = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    const actor = runStoreActor(store, (stop) => cleanup.push(stop));
    actor.send(note(held, held.generation));

    const saved = await waitFor(() => actor.reports.find((r) => r.type === 'store.saved'), {
      timeoutMs: 5_000,
      what: 'the committed note',
    });
    expect(saved).toMatchObject({ kind: 'outcome', record: { generation: held.generation + 1 } });
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens).toEqual(held.tokens);
    expect(read.status === 'found' && read.record.last_refresh?.result).toBe(
      'failed_invalid_grant',
    );
  });

  it('loses to a write made since (a login elsewhere), which stays as it is', async () => {
    const store = await lmdbStore();
    const held = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    const login = await store.put(loggedIn(GITHUB, 'at-login', 'rt-login'));
    const actor = runStoreActor(store, (stop) => cleanup.push(stop));
    actor.send(note(held, held.generation));

    const failed = await waitFor(() => actor.reports.find((r) => r.type === 'store.save_failed'), {
      timeoutMs: 5_000,
      what: 'the refused note',
    });
    expect(failed).toMatchObject({
      kind: 'outcome',
      error: expect.stringContaining('another process wrote it'),
      current: { generation: login.generation },
    });
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.access_token).toBe('at-login');
    expect(read.status === 'found' && read.record.last_refresh).toBeNull();
  });
});
