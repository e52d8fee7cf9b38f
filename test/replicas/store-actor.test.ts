/**
 * @module The supervisor's store actor over the real PostgreSQL store while PostgreSQL is down:
 * a refresh commit (a redeemed, rotated refresh token) is held until the store answers and then
 * committed — never dropped, which would lose the only valid refresh token — and availability
 * is reported down, then up. A store that is not unreachable but failing still fails at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { withTokens } from '../../machines/upstream/token-record.js';
import { StoreError } from '../../services/errors.js';
import { openPostgresStore } from '../../services/token-store/postgres-store.js';
import type { TokenStore } from '../../services/token-store/token-store.js';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { waitFor } from '../helpers/proxy-process.js';
import { runStoreActor } from '../helpers/store-actor.js';
import { GITHUB, KEY, loggedIn } from '../services/token-store/support.js';

const postgres = useEmbeddedPostgres();
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('store actor while PostgreSQL is down', () => {
  it('holds a refresh commit until PostgreSQL returns, then commits it', async () => {
    const store = await openPostgresStore({
      url: await postgres().newDatabase(),
      encryptionKey: KEY,
      reconnect: { maxMs: 500 },
    });
    cleanup.push(() => store.close());
    const stored = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    const refreshed = withTokens(
      stored,
      { access_token: 'at-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-2' },
      Date.now(),
    );
    const actor = runStoreActor(store, (stop) => cleanup.push(stop));

    await postgres().pause();
    actor.send({
      type: 'store.save',
      name: 'github',
      kind: 'refresh',
      record: refreshed,
      expectedGeneration: stored.generation,
      correlationId: 'c-1',
    });
    await waitFor(() => actor.reports.some((r) => r.type === 'store.availability'), {
      what: 'availability reported down',
    });
    await new Promise((r) => setTimeout(r, 1_500));
    // Not answered yet: the child keeps waiting in `refreshing` and uses nothing.
    expect(actor.reports.filter((r) => r.type !== 'store.availability')).toEqual([]);
    await postgres().resume();

    const saved = await waitFor(() => actor.reports.find((r) => r.type === 'store.saved'), {
      timeoutMs: 15_000,
      what: 'the held commit',
    });
    expect(saved).toMatchObject({ kind: 'refresh', record: { generation: stored.generation + 1 } });
    expect(actor.reports.some((r) => r.type === 'store.save_failed')).toBe(false);
    expect(actor.reports.filter((r) => r.type === 'store.availability')).toEqual([
      { type: 'store.availability', available: false },
      { type: 'store.availability', available: true },
    ]);
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.refresh_token).toBe('rt-2');
  });

  it('still fails a commit at once when the store is reachable but refuses it', async () => {
    const broken: TokenStore = {
      kind: 'lmdb',
      read: async () => ({ status: 'missing' }),
      put: async () => {
        throw new StoreError('disk full');
      },
      commit: async () => {
        throw new StoreError('disk full');
      },
      delete: async () => false,
      acquireLease: async () => true,
      releaseLease: async () => undefined,
      watch: () => () => undefined,
      close: async () => undefined,
    };
    const actor = runStoreActor(broken, (stop) => cleanup.push(stop));
    actor.send({
      type: 'store.save',
      name: 'github',
      kind: 'refresh',
      record: loggedIn(GITHUB, 'at-2', 'rt-2'),
      expectedGeneration: 1,
      correlationId: 'c-1',
    });

    const failed = await waitFor(() => actor.reports.find((r) => r.type === 'store.save_failed'), {
      timeoutMs: 2_000,
      what: 'the failure',
    });
    expect(failed).toMatchObject({ error: 'disk full', current: null });
  });
});
