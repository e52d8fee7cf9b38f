/**
 * @module PostgreSQL token store during an outage: operations fail with a `StoreError` sentence
 * (no password), availability is reported, and after PostgreSQL comes back the same store
 * instances work again and announce changes — including one made before the listener was back.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../services/errors.js';
import type { PgStoreLogger } from '../../../services/token-store/pg-availability.js';
import { openPostgresStore } from '../../../services/token-store/postgres-store.js';
import type {
  PostgresStoreOptions,
  PostgresTokenStore,
} from '../../../services/token-store/postgres-store.js';
import type { StoreChange } from '../../../services/token-store/token-store.js';
import { useEmbeddedPostgres } from '../../helpers/embedded-postgres.js';
import { GITHUB, KEY, loggedIn, waitFor } from './support.js';

const postgres = useEmbeddedPostgres();
const open: PostgresTokenStore[] = [];
const lines: { level: string; msg?: string; obj: Record<string, unknown> }[] = [];
const logger: PgStoreLogger = {
  info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
  warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
  error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
};

async function replica(url: string, options: Partial<PostgresStoreOptions> = {}) {
  const store = await openPostgresStore({
    url,
    encryptionKey: KEY,
    logger,
    reconnect: { minMs: 50, maxMs: 200 },
    pollIntervalMs: 60_000, // only NOTIFY and the reconnect re-check can be fast
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

const UNAVAILABLE =
  /^Token store unavailable: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \([a-z ]+\); tokens in memory stay in use, retrying\.$/;

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  lines.splice(0);
});

describe('PostgreSQL outage', () => {
  it('fails operations with a sentence, reports unavailability, and recovers in place', async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    const b = await replica(url);
    const availabilityOfA: boolean[] = [];
    a.onAvailability((available) => availabilityOfA.push(available));
    const onB = collect(b);
    await a.put(loggedIn(GITHUB, 'at-1', 'rt-1'));
    await waitFor(() => onB.length === 1, 2_000, 'B to see the first put');

    await postgres().pause();

    const error = (await a.read(GITHUB).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(UNAVAILABLE);
    expect(error.message).toContain(`127.0.0.1:${postgres().port}`);
    expect(error.message).not.toContain(postgres().password);
    await expect(a.put(loggedIn(GITHUB, 'at-x'))).rejects.toThrow(UNAVAILABLE);
    await expect(a.commit(loggedIn(GITHUB, 'at-x'), 1)).rejects.toThrow(StoreError);
    await expect(a.acquireLease(GITHUB, 'replica-a', 30_000)).rejects.toThrow(StoreError);
    expect(a.isAvailable()).toBe(false);
    await waitFor(() => !b.isAvailable(), 2_000, 'B to notice through its listener');

    await postgres().resume();

    const rotated = await a.put(loggedIn(GITHUB, 'at-2', 'rt-2'));
    expect(a.isAvailable()).toBe(true);
    await waitFor(() => onB.length === 2, 5_000, 'B to announce the put made after resume');
    expect(onB[1]).toEqual({ serverKey: GITHUB, record: rotated });
    await waitFor(() => b.isAvailable(), 5_000, 'B to be available again');
    expect(await b.read(GITHUB)).toEqual({ status: 'found', record: rotated });
    expect(availabilityOfA).toEqual([false, true]);
    const messages = lines.map((line) => line.msg);
    expect(messages).toContain('Token store unavailable');
    expect(messages).toContain('Token store available again');
    expect(JSON.stringify(lines)).not.toContain(postgres().password);
  });

  it('announces a change made before its listener was back (re-check after re-LISTEN)', async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    // B's listener waits 1.5 s before reconnecting: the NOTIFY below cannot reach it.
    const b = await replica(url, { reconnect: { minMs: 1_500, maxMs: 1_500 } });
    const onB = collect(b);

    await postgres().pause();
    await waitFor(() => !b.isAvailable(), 2_000, 'B to lose its listener');
    await postgres().resume();
    const login = await a.put(loggedIn(GITHUB, 'at-login', 'rt-login'));
    expect(b.isAvailable()).toBe(false);

    await waitFor(() => onB.length === 1, 6_000, 'B to re-check after reconnecting');
    expect(onB).toEqual([{ serverKey: GITHUB, record: login }]);
    expect(b.isAvailable()).toBe(true);
  });

  it('re-LISTENs by itself when the server ends its listener connection', async () => {
    const url = await postgres().newDatabase();
    const a = await replica(url);
    const b = await replica(url);
    const onB = collect(b);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();

    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
    );
    await admin.end();
    expect(rowCount).toBe(2);
    await waitFor(() => b.isAvailable(), 2_000, 'B to reconnect its listener');
    const put = await a.put(loggedIn(GITHUB, 'at-1'));

    await waitFor(() => onB.length === 1, 2_000, 'B to see the put');
    expect(onB).toEqual([{ serverKey: GITHUB, record: put }]);
  });
});
