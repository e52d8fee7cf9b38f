/**
 * @module PostgreSQL token store shared by replicas: changes on one are announced on another via
 * NOTIFY within 2 s, a change that sends no NOTIFY is found by the poll, and a refresh race has
 * exactly one winner, whose record the loser gets back.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type {
  PostgresStoreOptions,
  PostgresTokenStore,
} from '../../../services/token-store/postgres-store.js';
import type { StoreChange } from '../../../services/token-store/token-store.js';
import { useEmbeddedPostgres } from '../../helpers/embedded-postgres.js';
import { GITHUB, KEY, LINEAR, loggedIn, waitFor } from './support.js';

const postgres = useEmbeddedPostgres();
const open: PostgresTokenStore[] = [];

/** Opens a replica; its poll is slow unless asked, so only NOTIFY can be fast. */
async function replica(
  url: string,
  options: Partial<PostgresStoreOptions> = {},
): Promise<PostgresTokenStore> {
  const store = await openPostgresStore({
    url,
    encryptionKey: KEY,
    pollIntervalMs: 60_000,
    ...options,
  });
  open.push(store);
  return store;
}

function collect(store: PostgresTokenStore): StoreChange[] {
  const seen: StoreChange[] = [];
  store.watch((change) => seen.push(change));
  return seen;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

describe('replicas on one PostgreSQL', () => {
  it("announce each other's puts, commits and deletes within 2 s (NOTIFY)", async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    const b = await replica(url);
    const onB = collect(b);
    const onA = collect(a);

    const put = await a.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await waitFor(() => onB.length === 1, 2_000, 'B to see the put of A');
    const rotated = await b.commit(loggedIn(GITHUB, 'at-2', 'rt-2'), put.generation);
    await waitFor(() => onA.length === 2, 2_000, 'A to see the commit of B');
    await a.delete(GITHUB);
    await waitFor(() => onB.length === 3, 2_000, 'B to see the delete of A');

    expect(onB).toEqual([
      { serverKey: GITHUB, record: put },
      { serverKey: GITHUB, record: rotated.committed && rotated.record },
      { serverKey: GITHUB, record: null },
    ]);
    expect(onA).toEqual(onB);
  });

  it('adopts a login made on another replica (reads agree on the record)', async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    const b = await replica(url);

    const login = await a.put(loggedIn(LINEAR, 'at-login', 'rt-login'));

    expect(await b.read(LINEAR)).toEqual({ status: 'found', record: login });
  });

  it('finds a change that sent no NOTIFY with the poll', async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    const b = await replica(url, { pollIntervalMs: 100 });
    await a.put(loggedIn(GITHUB, 'at-1'));
    const onB = collect(b);
    await b.checkForChanges();
    expect(onB).toEqual([{ serverKey: GITHUB, record: expect.anything() }]);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DELETE FROM mcpproxy_tokens WHERE server_key = $1', [GITHUB]);
    await client.end();

    await waitFor(() => onB.length === 2, 2_000, 'the poll to find the delete');
    expect(onB[1]).toEqual({ serverKey: GITHUB, record: null });
  });

  it('lets exactly one of two racing refresh commits win; the loser gets the winner', async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    const b = await replica(url);
    const current = await a.put(loggedIn(GITHUB, 'at-1', 'rt-1'));

    const [fromA, fromB] = await Promise.all([
      a.commit(loggedIn(GITHUB, 'at-a', 'rt-a'), current.generation),
      b.commit(loggedIn(GITHUB, 'at-b', 'rt-b'), current.generation),
    ]);

    const outcomes = [fromA, fromB];
    const winner = outcomes.find((o) => o.committed);
    const loser = outcomes.find((o) => !o.committed);
    expect(winner).toBeDefined();
    expect(loser).toEqual({ committed: false, current: winner?.committed && winner.record });
    expect(await b.read(GITHUB)).toEqual({
      status: 'found',
      record: winner?.committed && winner.record,
    });
  });

  it('gives distinct generations to many concurrent puts of one server', async () => {
    const url = await postgres().newDatabase();
    const stores = [await replica(url), await replica(url), await replica(url)];

    const written = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 3].put(loggedIn(GITHUB, `at-${i}`))),
    );

    const generations = written.map((r) => r.generation).sort((x, y) => x - y);
    expect(generations).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
