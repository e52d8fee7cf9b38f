/**
 * @module PostgreSQL token store: records are encrypted at rest (no token, no key in the
 * database), another key or damaged bytes read as `corrupt` sentences, and open failures are
 * `StoreError` sentences that never show the URL's password.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../services/errors.js';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type { PostgresTokenStore } from '../../../services/token-store/postgres-store.js';
import { useEmbeddedPostgres } from '../../helpers/embedded-postgres.js';
import { GITHUB, KEY, KEY_HEX, LINEAR, loggedIn, OTHER_KEY } from './support.js';

const postgres = useEmbeddedPostgres();
const open: PostgresTokenStore[] = [];

async function openStore(url: string, encryptionKey = KEY): Promise<PostgresTokenStore> {
  const store = await openPostgresStore({ url, encryptionKey });
  open.push(store);
  return store;
}

async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function corruptError(store: PostgresTokenStore, key: string): Promise<string> {
  const result = await store.read(key);
  if (result.status !== 'corrupt') throw new Error(`expected corrupt, got ${result.status}`);
  return result.error;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

describe('encryption at rest', () => {
  it('stores neither the tokens nor the key in PostgreSQL', async () => {
    const url = await postgres().newDatabase();
    const store = await openStore(url);

    await store.put(loggedIn(GITHUB, 'at-very-secret-access', 'rt-very-secret-refresh'));

    const [row] = await sql<{ record: Buffer }>(url, 'SELECT record FROM mcpproxy_tokens');
    expect(row.record.includes('at-very-secret-access')).toBe(false);
    expect(row.record.includes('rt-very-secret-refresh')).toBe(false);
    expect(row.record.includes(KEY)).toBe(false);
    const dump = await sql<{ dump: string }>(
      url,
      `SELECT string_agg(t::text, ' ') AS dump FROM (
         SELECT encode(record, 'escape') AS v FROM mcpproxy_tokens
         UNION ALL SELECT server_key FROM mcpproxy_generations
         UNION ALL SELECT owner FROM mcpproxy_leases) AS t`,
    );
    expect(dump[0].dump).not.toContain('very-secret');
    expect(dump[0].dump).not.toContain(KEY_HEX);
  });

  it('reads records written with another key as corrupt, saying the key changed', async () => {
    const url = await postgres().newDatabase();
    const writer = await openStore(url);
    await writer.put(loggedIn(GITHUB, 'at-1'));

    const reader = await openStore(url, OTHER_KEY);

    const error = await corruptError(reader, GITHUB);
    expect(error).toContain(`server "github" (key ${GITHUB})`);
    expect(error).toContain('encrypted with a different encryption key');
    expect(error).toContain('mcpproxy auth login --server github');
    expect(error).not.toContain(KEY_HEX);
  });

  it('reports altered bytes and records moved under another key as failing the integrity check', async () => {
    const url = await postgres().newDatabase();
    const store = await openStore(url);
    await store.put(loggedIn(GITHUB, 'at-1'));
    await store.put(loggedIn(LINEAR, 'at-2'));

    // Moved first (intact bytes under the wrong key), then altered in place.
    await sql(
      url,
      `UPDATE mcpproxy_tokens SET record = (SELECT record FROM mcpproxy_tokens WHERE server_key = $1)
        WHERE server_key = $2`,
      [GITHUB, LINEAR],
    );
    await sql(
      url,
      `UPDATE mcpproxy_tokens
          SET record = set_byte(record, length(record) - 1, get_byte(record, length(record) - 1) # 255)
        WHERE server_key = $1`,
      [GITHUB],
    );

    expect(await corruptError(store, GITHUB)).toMatch(/integrity check.*damaged or altered/);
    expect(await corruptError(store, LINEAR)).toContain('integrity check');
  });

  it('lets a new login replace a corrupt record, ending its lease', async () => {
    const url = await postgres().newDatabase();
    const store = await openStore(url);
    const first = await store.put(loggedIn(GITHUB, 'at-1'));
    await store.acquireLease(GITHUB, 'replica-a', 30_000);
    await sql(url, `UPDATE mcpproxy_tokens SET record = 'garbage'::bytea`);

    const relogin = await store.commit(loggedIn(GITHUB, 'at-new'), first.generation);

    expect(relogin).toMatchObject({ committed: true, record: { generation: 2 } });
    expect(await store.acquireLease(GITHUB, 'replica-b', 30_000)).toBe(true);
  });
});

describe('opening', () => {
  it('says the login was refused, without the password, when the password is wrong', async () => {
    const url = new URL(await postgres().newDatabase());
    url.password = 'wrong-horse-battery';

    const opening = openPostgresStore({ url: url.href, encryptionKey: KEY });

    await expect(opening).rejects.toThrow(StoreError);
    const error = (await opening.catch((e: unknown) => e)) as StoreError;
    expect(error.message).toMatch(/refused the token store's login/);
    expect(error.message).toContain('postgres://mcpproxy:***@127.0.0.1');
    expect(error.message).not.toContain('wrong-horse-battery');
  });

  it('says it cannot reach PostgreSQL, naming host and port, when nothing listens there', async () => {
    const url = `postgres://mcpproxy:${postgres().password}@127.0.0.1:1/mcpproxy`;

    const error = (await openPostgresStore({ url, encryptionKey: KEY }).catch((e) => e)) as Error;

    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(
      /^Cannot open the token store: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(connection refused\)/,
    );
    expect(error.message).not.toContain(postgres().password);
  });

  it('refuses a URL that is not postgres:// before connecting', async () => {
    await expect(
      openPostgresStore({ url: 'mysql://u:secret-pw@db/x', encryptionKey: KEY }),
    ).rejects.toThrow(/must start with postgres:\/\/ or postgresql:\/\//);
    await expect(openPostgresStore({ url: 'not a url', encryptionKey: KEY })).rejects.toThrow(
      StoreError,
    );
  });
});
