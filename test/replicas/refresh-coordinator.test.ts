/**
 * @module The refresh coordinator on the real PostgreSQL store shared by two replicas: nothing is
 * redeemed without the lease (a newer record that cannot be used, or a holder that never
 * commits, is not a licence to redeem), a store outage is waited through rather than failed,
 * and a lease taken only to find a newer usable record is not kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { withTokens, type TokenRecord } from '../../machines/upstream/token-record.js';
import { OAuthFlowError } from '../../services/errors.js';
import { createRefreshCoordinator } from '../../services/runtime/refresh-coordinator.js';
import {
  openPostgresStore,
  type PostgresTokenStore,
} from '../../services/token-store/postgres-store.js';
import { useEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import { memoryLogger } from '../http/support/memory-logger.js';
import { GITHUB, KEY, loggedIn } from '../services/token-store/support.js';

const postgres = useEmbeddedPostgres();
const open: PostgresTokenStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function replica(url: string): Promise<PostgresTokenStore> {
  const store = await openPostgresStore({ url, encryptionKey: KEY, reconnect: { maxMs: 500 } });
  open.push(store);
  return store;
}

/** `record` with fresh tokens (a usable access token for an hour). */
const rotated = (record: TokenRecord, n: number): TokenRecord =>
  withTokens(
    record,
    { access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${n}` },
    Date.now(),
  );

async function twoReplicas(options: { maxWaitMs?: number } = {}) {
  const url = await postgres().newDatabase();
  const mine = await replica(url);
  const theirs = await replica(url);
  // Logged in long ago: the access token has expired, the refresh token is live.
  const stored = await theirs.put(loggedIn(GITHUB, 'at-old', 'rt-old'));
  const log = memoryLogger();
  const coordinator = createRefreshCoordinator({
    store: mine,
    ownerId: 'me',
    logger: log.logger,
    pollMs: 20,
    outagePollMs: 200,
    ...options,
  });
  return { mine, theirs, stored, coordinator, log };
}

describe('refresh coordinator on a shared PostgreSQL store', () => {
  it('does not answer a newer record without a usable access token while another holds the lease', async () => {
    const { theirs, stored, coordinator } = await twoReplicas({ maxWaitMs: 600 });
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
    // A write that keeps the tokens (e.g. a registration update) leaves the lease in place.
    await theirs.put({ ...stored, callback_port: 45_678 });

    const outcome = coordinator.beforeRedeem(GITHUB, undefined, stored.generation);

    // Its refresh token may be in flight at the holder: waiting out the holder is the only option.
    await expect(outcome).rejects.toBeInstanceOf(OAuthFlowError);
    await expect(outcome).rejects.toMatchObject({ result: 'failed_other' });
  });

  it('gives up with a transient failure, never redeems, when the holder does not commit in time', async () => {
    const { theirs, coordinator } = await twoReplicas({ maxWaitMs: 400 });
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
    const started = Date.now();

    await expect(coordinator.beforeRedeem(GITHUB)).rejects.toThrow(/holds the refresh lease/);

    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it("adopts the holder's usable commit while waiting and leaves no lease behind", async () => {
    const { theirs, stored, coordinator } = await twoReplicas();
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
    const waiting = coordinator.beforeRedeem(GITHUB, undefined, stored.generation);
    await new Promise((r) => setTimeout(r, 150));
    const committed = await theirs.commit(rotated(stored, 2), stored.generation);

    const adopted = await waiting;

    expect(committed.committed).toBe(true);
    expect(adopted?.tokens?.refresh_token).toBe('rt-2');
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it('does not keep a lease when the store already holds a newer usable record', async () => {
    const { theirs, stored, coordinator } = await twoReplicas();
    await theirs.commit(rotated(stored, 2), stored.generation);

    const newer = await coordinator.beforeRedeem(GITHUB, undefined, stored.generation);

    expect(newer?.tokens?.refresh_token).toBe('rt-2');
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(true);
  });

  it('waits through a PostgreSQL outage and takes the lease when it returns', async () => {
    const { mine, theirs, stored, coordinator, log } = await twoReplicas();
    await postgres().pause();
    const waiting = coordinator.beforeRedeem(GITHUB, undefined, stored.generation);
    let settled = false;
    void waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(settled).toBe(false);
    expect(mine.isAvailable()).toBe(false);
    await postgres().resume();

    const record = await waiting;

    expect(record?.tokens?.refresh_token).toBe('rt-old');
    expect(await theirs.acquireLease(GITHUB, 'them', 30_000)).toBe(false);
    expect(log.lines.map((l) => l.msg)).toContain(
      'Token store unavailable: the refresh waits for it (nothing is redeemed meanwhile)',
    );
  });

  it('stops waiting for the store when the refresh is cancelled', async () => {
    const { coordinator } = await twoReplicas();
    await postgres().pause();
    const controller = new AbortController();
    const waiting = coordinator.beforeRedeem(GITHUB, controller.signal);
    setTimeout(() => controller.abort(new Error('state left')), 300);

    await expect(waiting).rejects.toThrow('state left');
    await postgres().resume();
  });
});
