/**
 * @module PostgreSQL token store against a real PostgreSQL: schema migration, round trip,
 * generations, compare-and-swap, deletes, own-write watch, close.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyRecord } from '../../../machines/upstream/token-record.js';
import { StoreError } from '../../../services/errors.js';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type { PostgresTokenStore } from '../../../services/token-store/postgres-store.js';
import type { StoreChange } from '../../../services/token-store/token-store.js';
import { useEmbeddedPostgres } from '../../helpers/embedded-postgres.js';
import { GITHUB, KEY, LINEAR, loggedIn } from './support.js';

const postgres = useEmbeddedPostgres();
const open: PostgresTokenStore[] = [];

async function openStore(url?: string): Promise<PostgresTokenStore> {
  const store = await openPostgresStore({
    url: url ?? (await postgres().newDatabase()),
    encryptionKey: KEY,
  });
  open.push(store);
  return store;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

describe('PostgreSQL schema', () => {
  it('migrates once when several replicas open a fresh database together', async () => {
    const url = await postgres().newDatabase();

    await Promise.all([openStore(url), openStore(url), openStore(url)]);
    await openStore(url);

    const versions = await query<{ version: number }>(
      url,
      'SELECT version FROM mcpproxy_schema_version',
    );
    expect(versions).toEqual([{ version: 1 }]);
    const tables = await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables
        WHERE table_name LIKE 'mcpproxy_%' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'mcpproxy_generations',
      'mcpproxy_leases',
      'mcpproxy_schema_version',
      'mcpproxy_tokens',
    ]);
  });

  it('refuses a schema written by a newer mcpproxy', async () => {
    const url = await postgres().newDatabase();
    await openStore(url);
    await query(url, 'INSERT INTO mcpproxy_schema_version (version) VALUES (99)');

    const opening = openPostgresStore({ url, encryptionKey: KEY });

    await expect(opening).rejects.toThrow(StoreError);
    await expect(opening).rejects.toThrow(/version 99, newer than this mcpproxy knows \(1\)/);
  });
});

describe('PostgreSQL token store', () => {
  it('reads back what was put, and reports missing keys as missing', async () => {
    const store = await openStore();
    const record = loggedIn(GITHUB, 'at-1', 'rt-1');

    const stored = await store.put(record);

    expect(await store.read(GITHUB)).toEqual({ status: 'found', record: stored });
    expect(stored).toMatchObject({ tokens: record.tokens, expires_at: record.expires_at });
    expect(await store.read(LINEAR)).toEqual({ status: 'missing' });
  });

  it('keeps records across close and reopen', async () => {
    const url = await postgres().newDatabase();
    const first = await openPostgresStore({ url, encryptionKey: KEY });
    const stored = await first.put(loggedIn(GITHUB, 'at-1'));
    await first.close();

    const second = await openStore(url);

    expect(await second.read(GITHUB)).toEqual({ status: 'found', record: stored });
  });

  it('assigns generation (previous + 1) and updated_at itself', async () => {
    const store = await openStore();
    const before = Date.now();

    const first = await store.put({ ...loggedIn(GITHUB, 'at-1'), generation: 41, updated_at: 5 });
    const second = await store.put({ ...first, generation: 0 });

    expect(first.generation).toBe(1);
    expect(second.generation).toBe(2);
    expect(first.updated_at).toBeGreaterThanOrEqual(before);
    expect(second.updated_at).toBeLessThanOrEqual(Date.now());
  });

  it('commits when the expected generation matches (0 = no record yet)', async () => {
    const store = await openStore();

    const created = await store.commit(loggedIn(GITHUB, 'at-1'), 0);
    expect(created).toMatchObject({ committed: true, record: { generation: 1 } });
    const rotated = await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), 1);

    expect(rotated).toMatchObject({ committed: true, record: { generation: 2 } });
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.refresh_token).toBe('rt-2');
  });

  it('refuses a stale commit and returns the current record instead', async () => {
    const store = await openStore();
    await store.commit(loggedIn(GITHUB, 'at-1', 'rt-1'), 0);
    const winner = await store.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), 1);

    const loser = await store.commit(loggedIn(GITHUB, 'at-3', 'rt-3'), 1);
    const late = await store.commit(loggedIn(GITHUB, 'at-4', 'rt-4'), 0);

    expect(winner.committed).toBe(true);
    expect(loser).toEqual({ committed: false, current: winner.committed && winner.record });
    expect(late.committed).toBe(false);
    const read = await store.read(GITHUB);
    expect(read.status === 'found' && read.record.tokens?.access_token).toBe('at-2');
  });

  it('deletes only at the expected generation, or always without one', async () => {
    const store = await openStore();
    await store.put(loggedIn(GITHUB, 'at-1'));
    await store.put(loggedIn(GITHUB, 'at-2'));
    await store.put(loggedIn(LINEAR, 'at-3'));

    expect(await store.delete(GITHUB, 1)).toBe(false);
    expect((await store.read(GITHUB)).status).toBe('found');
    expect(await store.delete(GITHUB, 2)).toBe(true);
    expect(await store.delete(LINEAR)).toBe(true);
    expect(await store.delete(LINEAR)).toBe(false);

    expect(await store.read(GITHUB)).toEqual({ status: 'missing' });
    expect(await store.read(LINEAR)).toEqual({ status: 'missing' });
  });

  it('never reuses a generation after a delete, so a stale commit cannot land on a new login', async () => {
    const store = await openStore();
    await store.put(loggedIn(GITHUB, 'at-old'));
    await store.delete(GITHUB);

    const relogin = await store.commit(loggedIn(GITHUB, 'at-new', 'rt-new'), 0);
    const stale = await store.commit(loggedIn(GITHUB, 'at-stale', 'rt-stale'), 1);

    expect(relogin).toMatchObject({ committed: true, record: { generation: 2 } });
    expect(stale.committed).toBe(false);
  });

  it('rejects a record of the wrong shape instead of storing it', async () => {
    const store = await openStore();
    const bad = { ...emptyRecord(GITHUB, 'github', null), scopes: 'repo' as unknown as string[] };

    await expect(store.put(bad)).rejects.toThrow(/invalid token record.*scopes/);
    expect(await store.read(GITHUB)).toEqual({ status: 'missing' });
  });

  it('tells watchers about its own puts, commits and deletes right away', async () => {
    const store = await openStore();
    const seen: StoreChange[] = [];
    const stop = store.watch((change) => seen.push(change));

    const put = await store.put(loggedIn(GITHUB, 'at-1'));
    const commit = await store.commit(loggedIn(GITHUB, 'at-2'), put.generation);
    await store.commit(loggedIn(GITHUB, 'at-3'), 0); // lost: no change
    await store.delete(GITHUB);
    const afterDelete = [...seen];
    await store.checkForChanges(); // its own NOTIFYs and the poll add nothing
    stop();
    await store.put(loggedIn(LINEAR, 'at-4'));

    expect(afterDelete).toEqual([
      { serverKey: GITHUB, record: put },
      { serverKey: GITHUB, record: commit.committed && commit.record },
      { serverKey: GITHUB, record: null },
    ]);
    expect(seen).toEqual(afterDelete);
  });

  it('closes twice without error and refuses use after close with a StoreError', async () => {
    const store = await openPostgresStore({
      url: await postgres().newDatabase(),
      encryptionKey: KEY,
    });

    await store.close();
    await store.close();

    await expect(store.read(GITHUB)).rejects.toThrow(StoreError);
    await expect(store.put(loggedIn(GITHUB, 'x'))).rejects.toThrow(/is closed/);
  });
});
