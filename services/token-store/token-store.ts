/**
 * @module The token store interface the supervisor talks to. LMDB (embedded, default) and
 * PostgreSQL (shared, replicas) implement it; machines never see which one is behind it.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';

/** Result of reading one key: a record, nothing, or a record that exists but cannot be decoded. */
export type ReadResult =
  | { status: 'found'; record: TokenRecord }
  | { status: 'missing' }
  | { status: 'corrupt'; error: string };

/** Result of a compare-and-swap commit. */
export type CommitResult =
  { committed: true; record: TokenRecord } | { committed: false; current: TokenRecord | null };

/** A change seen in the store, made by this process or another. */
export interface StoreChange {
  serverKey: string;
  /** The new record, or null when it was deleted. */
  record: TokenRecord | null;
}

export interface TokenStore {
  readonly kind: 'lmdb' | 'postgres';
  /** Reads one record. Never throws for a corrupt value: reports it as `corrupt`. */
  read(serverKey: string): Promise<ReadResult>;
  /**
   * Writes a record unconditionally (login result, registration). The store assigns
   * `generation` (previous + 1) and `updated_at`; the stored record is returned.
   */
  put(record: TokenRecord): Promise<TokenRecord>;
  /**
   * Compare-and-swap: writes `record` only if the stored record's generation is still
   * `expectedGeneration` (0 = no record). One transaction.
   */
  commit(record: TokenRecord, expectedGeneration: number): Promise<CommitResult>;
  /** Deletes a record if its generation is still `expectedGeneration` (or always, if omitted). */
  delete(serverKey: string, expectedGeneration?: number): Promise<boolean>;
  /**
   * Takes the per-server refresh lease for `ownerId` for `ttlMs` (≤ 30 s) if no live lease of
   * another owner exists. Returns true when this owner holds it afterwards.
   */
  acquireLease(serverKey: string, ownerId: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `ownerId` holds it. */
  releaseLease(serverKey: string, ownerId: string): Promise<void>;
  /**
   * False while the store cannot be reached (a shared store's outage): its operations then
   * throw, and callers may wait for it rather than give up. Embedded stores omit it.
   */
  isAvailable?(): boolean;
  /** Calls `listener` for changes of any record (own writes included). Returns unsubscribe. */
  watch(listener: (change: StoreChange) => void): () => void;
  /** Flushes and closes. */
  close(): Promise<void>;
}
