/**
 * @module The shared token store for replicas (SPEC §3b): PostgreSQL through `pg`, records
 * encrypted with AES-256-GCM like LMDB's (the key never reaches the database), compare-and-swap
 * commits, a lease row per server, and LISTEN/NOTIFY plus a slow poll for changes.
 */
import pg from 'pg';
import type { Pool } from 'pg';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import { StoreError } from '../errors.js';
import { Availability } from './pg-availability.js';
import type { AvailabilityListener, PgStoreLogger } from './pg-availability.js';
import { openError, toStoreError, unreachableReason } from './pg-errors.js';
import { acquireLeaseRow, releaseLeaseRow } from './pg-lease.js';
import { NotificationListener } from './pg-listener.js';
import { readKeyState, scanKeyStates } from './pg-queries.js';
import { deleteRecord, lockAndLoad, writeRecord } from './pg-records.js';
import { migrate, NOTIFY_CHANNEL } from './pg-schema.js';
import { inTransaction } from './pg-transaction.js';
import { describePostgresUrl } from './pg-url.js';
import type { PostgresTarget } from './pg-url.js';
import { PgChangeWatcher } from './pg-watcher.js';
import { createRecordCipher } from './record-cipher.js';
import type { RecordCipher } from './record-cipher.js';
import { openRecord } from './record-codec.js';
import type { CommitResult, ReadResult, StoreChange, TokenStore } from './token-store.js';

/** Options of `openPostgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db` (the password is never logged). */
  url: string;
  /** The 32-byte record key, shared by all replicas (`$MCPPROXY_ENCRYPTION_KEY`). */
  encryptionKey: Buffer;
  /** Receives availability changes and background failures. Default: silent. */
  logger?: PgStoreLogger;
  /** Listener reconnect backoff: `minMs` (default 250) doubling up to `maxMs` (default 5000). */
  reconnect?: { minMs?: number; maxMs?: number };
  /** How often all generations are compared while someone watches. Default 2000. */
  pollIntervalMs?: number;
  /** Pooled connections for queries. Default 4. */
  poolSize?: number;
}

/** The PostgreSQL store: a `TokenStore` that also says whether PostgreSQL can be reached. */
export interface PostgresTokenStore extends TokenStore {
  readonly kind: 'postgres';
  /** The store URL with its password replaced by `***`. */
  readonly url: string;
  /** False while PostgreSQL cannot be reached (operations then throw a `StoreError`). */
  isAvailable(): boolean;
  /** Calls `listener` on every availability change. Returns unsubscribe. */
  onAvailability(listener: AvailabilityListener): () => void;
  /** Compares all records with what was seen now (as the poll does) and notifies watchers. */
  checkForChanges(): Promise<void>;
}

const silent: PgStoreLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Connects, migrates the schema (once across replicas starting together) and starts listening.
 * A PostgreSQL that cannot be reached, refuses the login, or has a newer schema throws a
 * `StoreError` sentence without the URL's password.
 */
export async function openPostgresStore(
  options: PostgresStoreOptions,
): Promise<PostgresTokenStore> {
  const cipher = createRecordCipher(options.encryptionKey);
  const target = describePostgresUrl(options.url);
  const config = {
    connectionString: options.url,
    connectionTimeoutMillis: 5_000,
    // A query on a connection whose peer vanished fails after this instead of hanging.
    query_timeout: 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'mcpproxy',
  };
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? 4, idleTimeoutMillis: 10_000 });
  // Idle clients dying with the server are dropped by the pool; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw openError(error, target);
  }
  const store = new PostgresStore(pool, cipher, target, options);
  try {
    await store.start(config);
    return store;
  } catch (error) {
    await store.close();
    throw openError(error, target);
  }
}

class PostgresStore implements PostgresTokenStore {
  readonly kind = 'postgres' as const;
  readonly url: string;
  private readonly logger: PgStoreLogger;
  private readonly availability: Availability;
  private readonly watcher: PgChangeWatcher;
  private listener: NotificationListener | undefined;
  private closing: Promise<void> | undefined;
  /** Set once open: a (re)connect of the listener after that triggers a full re-check. */
  private started = false;

  constructor(
    private readonly pool: Pool,
    private readonly cipher: RecordCipher,
    private readonly target: PostgresTarget,
    private readonly options: PostgresStoreOptions,
  ) {
    this.url = target.redacted;
    this.logger = options.logger ?? silent;
    this.availability = new Availability(this.logger, { store: 'postgres', url: this.url });
    this.watcher = new PgChangeWatcher(
      {
        readOne: (key) => this.run('read a token record', () => readKeyState(pool, cipher, key)),
        scan: () => this.run('look for changed token records', () => scanKeyStates(pool)),
      },
      Math.max(10, options.pollIntervalMs ?? 2_000),
      (error) => this.backgroundError(error),
    );
  }

  /** Starts LISTENing, then takes the current records as seen. */
  async start(config: pg.ClientConfig): Promise<void> {
    this.listener = new NotificationListener({
      config,
      channel: NOTIFY_CHANNEL,
      ...this.options.reconnect,
      onNotification: (serverKey) => this.watcher.notified(serverKey),
      onConnected: () => {
        this.availability.up();
        // NOTIFYs sent while the listener was away are lost: compare everything once.
        if (this.started) void this.watcher.checkAll();
      },
      onDisconnected: (error) => {
        const failure = toStoreError(error, this.target, 'listen for changes');
        if (unreachableReason(error) !== null) this.availability.down(failure.message);
        else
          this.logger.warn(
            { store: 'postgres', error: failure.message },
            'Token store listener failed',
          );
      },
    });
    await this.listener.start();
    await this.watcher.prime();
    this.started = true;
  }

  async read(serverKey: string): Promise<ReadResult> {
    const { rows } = await this.run('read the token record', () =>
      this.pool.query<{ record: Buffer }>(
        'SELECT record FROM mcpproxy_tokens WHERE server_key = $1',
        [serverKey],
      ),
    );
    if (rows.length === 0) return { status: 'missing' };
    return openRecord(this.cipher, serverKey, rows[0].record);
  }

  async put(record: TokenRecord): Promise<TokenRecord> {
    const written = await this.run('write the token record', () =>
      inTransaction(this.pool, async (client) => {
        const stored = await lockAndLoad(client, this.cipher, record.server_key);
        return writeRecord(client, this.cipher, record, stored);
      }),
    );
    this.noteWritten(written.record);
    return written.record;
  }

  async commit(record: TokenRecord, expectedGeneration: number): Promise<CommitResult> {
    const outcome = await this.run('commit the token record', () =>
      inTransaction(this.pool, async (client) => {
        const stored = await lockAndLoad(client, this.cipher, record.server_key);
        if (stored.current !== expectedGeneration) {
          return { written: null, current: stored.record ?? null };
        }
        return { written: await writeRecord(client, this.cipher, record, stored), current: null };
      }),
    );
    if (outcome.written === null) return { committed: false, current: outcome.current };
    this.noteWritten(outcome.written.record);
    return { committed: true, record: outcome.written.record };
  }

  async delete(serverKey: string, expectedGeneration?: number): Promise<boolean> {
    const generation = await this.run('delete the token record', () =>
      inTransaction(this.pool, (client) => deleteRecord(client, serverKey, expectedGeneration)),
    );
    if (generation === null) return false;
    this.watcher.noteOwnWrite(serverKey, { generation, present: false }, null);
    return true;
  }

  acquireLease(serverKey: string, ownerId: string, ttlMs: number): Promise<boolean> {
    return this.run('take the refresh lease', () =>
      acquireLeaseRow(this.pool, serverKey, ownerId, ttlMs),
    );
  }

  releaseLease(serverKey: string, ownerId: string): Promise<void> {
    return this.run('release the refresh lease', () =>
      releaseLeaseRow(this.pool, serverKey, ownerId),
    );
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.assertOpen();
    return this.watcher.watch(listener);
  }

  checkForChanges(): Promise<void> {
    this.assertOpen();
    return this.watcher.checkAll();
  }

  isAvailable(): boolean {
    return this.availability.isAvailable;
  }

  onAvailability(listener: AvailabilityListener): () => void {
    return this.availability.subscribe(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.watcher.close();
      this.availability.clear();
      await this.listener?.close();
      await this.pool.end().catch(() => undefined);
    })();
    return this.closing;
  }

  private noteWritten(record: TokenRecord): void {
    const state = { generation: record.generation, present: true };
    this.watcher.noteOwnWrite(record.server_key, state, record);
  }

  /** Runs one database operation; failures become `StoreError` sentences and mark an outage. */
  private async run<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      const value = await fn();
      this.availability.up();
      return value;
    } catch (error) {
      const converted = toStoreError(error, this.target, doing);
      if (unreachableReason(error) !== null) this.availability.down(converted.message);
      throw converted;
    }
  }

  private backgroundError(error: unknown): void {
    // An outage is already logged once by `availability`; anything else is worth a line each.
    if (!this.availability.isAvailable || this.closing !== undefined) return;
    this.logger.error({ store: 'postgres', url: this.url, err: error }, 'Token store watch failed');
  }

  private assertOpen(): void {
    if (this.closing !== undefined) {
      throw new StoreError(
        `The token store on PostgreSQL at ${this.target.hostPort} is closed; this is a bug in ` +
          'the caller.',
      );
    }
  }
}
