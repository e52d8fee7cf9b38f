/**
 * @module The embedded token store: LMDB in `<data-dir>/mcpproxy.lmdb`, records encrypted with
 * AES-256-GCM. Each write is a transaction of its own (a child transaction: a failing write undoes
 * only itself); the writes asked for in one turn of the event loop commit together, and each
 * resolves once that commit is done (LMDB serializes commits across processes).
 */
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { join } from 'node:path';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import { ProxyError, StoreError } from '../errors.js';
import { ChangeWatcher } from './change-watcher.js';
import { describeFsError } from './fs-reason.js';
import { decodeLease, encodeLease, heldByOther, leaseTtl, tokensChanged } from './lease.js';
import {
  decodeCounter,
  encodeCounter,
  generationKey,
  LMDB_DIR_NAME,
  leaseKey,
  RECORD_PREFIX,
  RECORD_RANGE_END,
  recordKey,
  VERSION_KEY,
} from './lmdb-keys.js';
import { openError, preflightLmdbDir } from './lmdb-preflight.js';
import { ensurePrivateDir, tightenFilesIn } from './private-files.js';
import { createRecordCipher } from './record-cipher.js';
import type { RecordCipher } from './record-cipher.js';
import { openRecord } from './record-codec.js';
import { recordShapeProblem } from './record-shape.js';
import type { CommitResult, ReadResult, StoreChange, TokenStore } from './token-store.js';

/** Options of `openLmdbStore`. */
export interface LmdbStoreOptions {
  /** The data dir; the store lives in `<dataDir>/mcpproxy.lmdb`. Created (0700) if missing. */
  dataDir: string;
  /** The 32-byte record key (see `loadEncryptionKey`). */
  encryptionKey: Buffer;
  /** How often other processes' changes are looked for while someone watches. Default 1000. */
  pollIntervalMs?: number;
  /** Receives errors of background polling and of throwing listeners. Default: ignored. */
  onError?: (error: unknown) => void;
}

/** The LMDB store: a `TokenStore` plus its location and an on-demand change check. */
export interface LmdbTokenStore extends TokenStore {
  readonly kind: 'lmdb';
  /** The LMDB environment directory. */
  readonly path: string;
  /** Looks for other processes' changes now (as the poll does) and notifies watchers. */
  checkForChanges(): void;
}

type Db = RootDatabase<Buffer, string>;

/** What a write transaction found stored for one server. */
interface Stored {
  /** Generation of the stored record; 0 when there is none. */
  current: number;
  /** Highest generation ever assigned to this server (survives deletes). */
  highWater: number;
  /** The stored record; null when there is none, undefined when it could not be decoded. */
  record: TokenRecord | null | undefined;
}

/**
 * Opens (creating if needed) the store. Failures to open — a path that is not a directory, no
 * permission, damaged files, lock problems — throw a `StoreError` whose message says what is
 * wrong and what to do.
 */
export async function openLmdbStore(options: LmdbStoreOptions): Promise<LmdbTokenStore> {
  const cipher = createRecordCipher(options.encryptionKey);
  await ensurePrivateDir(options.dataDir);
  const path = join(options.dataDir, LMDB_DIR_NAME);
  await ensurePrivateDir(path, { tighten: true });
  await preflightLmdbDir(path);
  let db: Db;
  try {
    db = open<Buffer, string>({ path, encoding: 'binary', noSubdir: false });
    db.get(VERSION_KEY); // surfaces lock and read problems now, not on first use
  } catch (error) {
    throw openError(path, error);
  }
  try {
    await tightenFilesIn(path);
    return new LmdbStore(db, path, cipher, options);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error instanceof ProxyError ? error : openError(path, error);
  }
}

/** A write waiting for the next commit (see `LmdbStore.write`). */
interface QueuedWrite {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

class LmdbStore implements LmdbTokenStore {
  readonly kind = 'lmdb' as const;
  private readonly watcher: ChangeWatcher;
  private closing: Promise<void> | undefined;
  private queued: QueuedWrite[] = [];

  constructor(
    private readonly db: Db,
    readonly path: string,
    private readonly cipher: RecordCipher,
    options: LmdbStoreOptions,
  ) {
    this.watcher = new ChangeWatcher(
      {
        version: () => {
          this.db.resetReadTxn();
          return this.db.get(VERSION_KEY)?.toString('utf8') ?? '';
        },
        scan: () => this.scanRecords(),
        decode: (serverKey, bytes) => {
          const result = openRecord(this.cipher, serverKey, bytes);
          return result.status === 'found' ? result.record : null;
        },
      },
      Math.max(10, options.pollIntervalMs ?? 1000),
      options.onError ?? (() => undefined),
    );
    this.watcher.prime();
  }

  async read(serverKey: string): Promise<ReadResult> {
    const bytes = this.guard('read', () => {
      this.db.resetReadTxn(); // the latest commit of any process, not this turn's snapshot
      return this.db.get(recordKey(serverKey));
    });
    return bytes === undefined ? { status: 'missing' } : openRecord(this.cipher, serverKey, bytes);
  }

  async put(record: TokenRecord): Promise<TokenRecord> {
    const written = await this.write(() => {
      const stored = this.stored(record.server_key);
      return this.writeRecord(record, stored);
    });
    this.watcher.noteOwnWrite(record.server_key, written.bytes, written.record);
    return written.record;
  }

  async commit(record: TokenRecord, expectedGeneration: number): Promise<CommitResult> {
    const outcome = await this.write(() => {
      const stored = this.stored(record.server_key);
      if (stored.current !== expectedGeneration) return { written: null, current: stored.record };
      return { written: this.writeRecord(record, stored), current: stored.record };
    });
    if (outcome.written === null) return { committed: false, current: outcome.current ?? null };
    this.watcher.noteOwnWrite(record.server_key, outcome.written.bytes, outcome.written.record);
    return { committed: true, record: outcome.written.record };
  }

  async delete(serverKey: string, expectedGeneration?: number): Promise<boolean> {
    const deleted = await this.write(() => {
      const stored = this.stored(serverKey);
      if (expectedGeneration !== undefined && stored.current !== expectedGeneration) return false;
      if (!this.db.removeSync(recordKey(serverKey))) return false;
      this.db.removeSync(leaseKey(serverKey));
      this.bumpVersion();
      return true;
    });
    if (deleted) this.watcher.noteOwnWrite(serverKey, null, null);
    return deleted;
  }

  async acquireLease(serverKey: string, ownerId: string, ttlMs: number): Promise<boolean> {
    return this.write(() => {
      const now = Date.now();
      if (heldByOther(decodeLease(this.db.get(leaseKey(serverKey))), ownerId, now)) return false;
      this.db.putSync(
        leaseKey(serverKey),
        encodeLease({ owner: ownerId, expires_at: now + leaseTtl(ttlMs) }),
      );
      return true;
    });
  }

  async releaseLease(serverKey: string, ownerId: string): Promise<void> {
    await this.write(() => {
      if (decodeLease(this.db.get(leaseKey(serverKey)))?.owner === ownerId) {
        this.db.removeSync(leaseKey(serverKey));
      }
    });
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.assertOpen();
    return this.watcher.watch(listener);
  }

  checkForChanges(): void {
    this.guard('read', () => this.watcher.poll());
  }

  close(): Promise<void> {
    if (this.closing === undefined) this.commitQueued(); // writes already asked for are kept
    this.closing ??= (async () => {
      this.watcher.close();
      try {
        await this.db.close();
      } catch (error) {
        throw new StoreError(
          `Could not close the token store at ${this.path} cleanly: ${describeFsError(error)}.`,
          { cause: error },
        );
      }
    })();
    return this.closing;
  }

  /** Reads what is stored for a server; call inside a write transaction. */
  private stored(serverKey: string): Stored {
    const highWater = decodeCounter(this.db.get(generationKey(serverKey)));
    const bytes = this.db.get(recordKey(serverKey));
    if (bytes === undefined) return { current: 0, highWater: highWater ?? 0, record: null };
    const decoded = openRecord(this.cipher, serverKey, bytes);
    const found = decoded.status === 'found' ? decoded.record : undefined;
    // A record without a generation entry was not written by this store; trust its own field.
    const current = highWater ?? found?.generation ?? 0;
    return { current, highWater: Math.max(highWater ?? 0, current), record: found };
  }

  /** Seals and writes `record` as the next generation; call inside a write transaction. */
  private writeRecord(record: TokenRecord, stored: Stored): { record: TokenRecord; bytes: Buffer } {
    const next: TokenRecord = {
      ...record,
      generation: stored.highWater + 1,
      updated_at: Date.now(),
    };
    const json = JSON.stringify(next);
    const copy = JSON.parse(json) as TokenRecord;
    const problem = recordShapeProblem(copy, record.server_key);
    if (problem !== null) {
      throw new StoreError(
        `Refusing to store an invalid token record for server key ${record.server_key}: ${problem}.`,
      );
    }
    const bytes = this.cipher.seal(json, record.server_key);
    this.db.putSync(recordKey(record.server_key), bytes);
    this.db.putSync(generationKey(record.server_key), encodeCounter(next.generation));
    if (stored.record === undefined || tokensChanged(stored.record?.tokens ?? null, next.tokens)) {
      this.db.removeSync(leaseKey(record.server_key));
    }
    this.bumpVersion();
    return { record: copy, bytes };
  }

  private bumpVersion(): void {
    const version = decodeCounter(this.db.get(VERSION_KEY)) ?? 0;
    this.db.putSync(VERSION_KEY, encodeCounter(version + 1));
  }

  private *scanRecords(): Iterable<{ serverKey: string; bytes: Uint8Array }> {
    for (const { key, value } of this.db.getRange({
      start: RECORD_PREFIX,
      end: RECORD_RANGE_END,
    })) {
      yield { serverKey: key.slice(RECORD_PREFIX.length), bytes: value };
    }
  }

  /**
   * Runs `fn` in a child transaction of the next commit, which takes every write asked for in
   * this turn of the event loop: one commit costs ≈ 0.4 ms, and the 50 refreshes of a restart
   * ask for about 100 writes (leases, commits) within a few turns. Resolves with what `fn`
   * returned once the commit is done; a write that throws undoes only its own changes. LMDB
   * failures become `StoreError` sentences.
   */
  private write<T>(fn: () => T): Promise<T> {
    this.assertOpen();
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.queued.length === 1) setImmediate(() => this.commitQueued());
    });
  }

  /** Commits the queued writes together (see `write`). */
  private commitQueued(): void {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.guard('write', () =>
        this.db.transactionSync(() => {
          for (const { fn } of batch) {
            try {
              outcomes.push({ ok: true, value: this.db.transactionSync(fn) });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        }),
      );
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) resolve(outcome.value);
      else reject(this.storeError('write', outcome.error));
    });
  }

  private guard<T>(action: 'read' | 'write', fn: () => T): T {
    this.assertOpen();
    try {
      return fn();
    } catch (error) {
      throw this.storeError(action, error);
    }
  }

  /** `error` as the sentence users see (a `ProxyError` already is one). */
  private storeError(action: 'read' | 'write', error: unknown): unknown {
    if (error instanceof ProxyError) return error;
    return new StoreError(
      `Cannot ${action} the token store at ${this.path}: ${describeFsError(error)}. ` +
        'Check the disk and the permissions of the data dir, then restart mcpproxy.',
      { cause: error },
    );
  }

  private assertOpen(): void {
    if (this.closing !== undefined) {
      throw new StoreError(
        `The token store at ${this.path} is closed; this is a bug in the caller.`,
      );
    }
  }
}
