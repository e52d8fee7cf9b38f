/**
 * @module PostgreSQL token store against a real PostgreSQL: schema migration, round trip,
 * generations, compare-and-swap, deletes, own-write watch, close.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../services/errors.js';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type { PostgresTokenStore } from '../../../services/token-store/postgres-store.js';
import type { StoreChange } from '../../../services/token-store/token-store.js';
import { useEmbeddedPostgres } from '../../helpers/embedded-postgres.js';
import { tokenStoreContract } from './store-contract.js';
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
  tokenStoreContract({
    newLocation: () => postgres().newDatabase(),
    openStore,
    openUntracked: (url) => openPostgresStore({ url, encryptionKey: KEY }),
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
});
