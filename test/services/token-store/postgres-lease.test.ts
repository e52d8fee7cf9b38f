/**
 * @module PostgreSQL token store: the per-server refresh lease (SPEC §3b) on the database clock,
 * including its release by a committed refresh and a race of several replicas for it.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type { PostgresTokenStore } from '../../../services/token-store/postgres-store.js';
import { useEmbeddedPostgres } from '../../helpers/embedded-postgres.js';
import { GITHUB, KEY, LINEAR, loggedIn } from './support.js';

const postgres = useEmbeddedPostgres();
let url: string;
let store: PostgresTokenStore;
/** Every store opened by a test (closed after it). */
const opened: PostgresTokenStore[] = [];

beforeEach(async () => {
  url = await postgres().newDatabase();
  store = await openPostgresStore({ url, encryptionKey: KEY });
  opened.push(store);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds until the lease of `serverKey` expires, on the database clock. */
async function secondsLeft(serverKey: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ left: string }>(
      `SELECT extract(epoch FROM expires_at - clock_timestamp()) AS left
         FROM mcpproxy_leases WHERE server_key = $1`,
      [serverKey],
    );
    return Number(rows[0].left);
  } finally {
    await client.end();
  }
}

describe('refresh lease on PostgreSQL', () => {
  it('is granted to one owner and denied to another while live', async () => {
    expect(await store.acquireLease(GITHUB, 'replica-a', 10_000)).toBe(true);

    expect(await store.acquireLease(GITHUB, 'replica-b', 10_000)).toBe(false);
    expect(await store.acquireLease(LINEAR, 'replica-b', 10_000)).toBe(true);
  });

  it('can be renewed by its holder', async () => {
    await store.acquireLease(GITHUB, 'replica-a', 10_000);

    expect(await store.acquireLease(GITHUB, 'replica-a', 20_000)).toBe(true);

    expect(await secondsLeft(GITHUB)).toBeGreaterThan(10);
    expect(await store.acquireLease(GITHUB, 'replica-b', 10_000)).toBe(false);
  });

  it('expires on the database clock, so a dead holder is replaced', async () => {
    await store.acquireLease(GITHUB, 'replica-a', 300);
    expect(await store.acquireLease(GITHUB, 'replica-b', 300)).toBe(false);

    await sleep(400);

    expect(await store.acquireLease(GITHUB, 'replica-b', 5_000)).toBe(true);
    expect(await store.acquireLease(GITHUB, 'replica-a', 5_000)).toBe(false);
  });

  it('never lasts longer than 30 s, whatever was asked', async () => {
    await store.acquireLease(GITHUB, 'replica-a', 10 * 60_000);

    const left = await secondsLeft(GITHUB);

    expect(left).toBeGreaterThan(25);
    expect(left).toBeLessThanOrEqual(30);
  });

  it('is released by the commit of a refreshed token (acquire → refresh → commit)', async () => {
    const current = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    expect(await store.acquireLease(GITHUB, 'replica-a', 30_000)).toBe(true);

    const result = await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), current.generation);

    expect(result.committed).toBe(true);
    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(true);
  });

  it('survives a commit that keeps the tokens (the redemption may still be in flight)', async () => {
    const current = await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await store.acquireLease(GITHUB, 'replica-a', 30_000);
    const outcome = {
      ...current,
      last_refresh: { result: 'failed_network' as const, at: Date.now() },
    };

    expect((await store.commit(outcome, current.generation)).committed).toBe(true);

    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(false);
  });

  it('survives a lost commit, and its holder can still release it', async () => {
    await store.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await store.acquireLease(GITHUB, 'replica-a', 30_000);

    expect((await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), 7)).committed).toBe(false);
    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(false);
    await store.releaseLease(GITHUB, 'replica-a');

    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(true);
  });

  it('is released only by its holder', async () => {
    await store.acquireLease(GITHUB, 'replica-a', 30_000);

    await store.releaseLease(GITHUB, 'replica-b');
    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(false);
    await store.releaseLease(GITHUB, 'replica-a');

    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(true);
  });

  it('ends when the record is deleted (logout)', async () => {
    await store.put(loggedIn(GITHUB, 'at-1'));
    await store.acquireLease(GITHUB, 'replica-a', 30_000);

    await store.delete(GITHUB);

    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(true);
  });

  it('goes to exactly one of several replicas asking at the same moment', async () => {
    for (let i = 0; i < 4; i++) opened.push(await openPostgresStore({ url, encryptionKey: KEY }));
    const replicas = [...opened];

    const granted = await Promise.all(
      replicas.map((replica, i) => replica.acquireLease(GITHUB, `replica-${i}`, 30_000)),
    );

    expect(granted.filter(Boolean)).toHaveLength(1);
  });
});
