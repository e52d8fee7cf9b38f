/**
 * @module An in-memory `TokenStore` for in-process benchmarks: the LMDB store's semantics
 * (generations that only grow, compare-and-swap commits, leases, own writes reported to
 * watchers) without disk I/O, so the figures measure the actors, not the disk.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type {
  CommitResult,
  ReadResult,
  StoreChange,
  TokenStore,
} from '../../services/token-store/token-store.js';

/**
 * Records by server key, stored as JSON text as LMDB stores its bytes (a store never shares
 * objects with its callers; like LMDB, a write hands the same decoded copy to the writer and to
 * watchers).
 */
export class MemoryTokenStore implements TokenStore {
  readonly kind = 'lmdb' as const;
  private readonly records = new Map<string, string>();
  private readonly highWater = new Map<string, number>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  commits = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Seeds a record as if written by an earlier process. */
  seed(record: TokenRecord): void {
    this.records.set(record.server_key, JSON.stringify(record));
    this.highWater.set(record.server_key, record.generation);
  }

  async read(serverKey: string): Promise<ReadResult> {
    const json = this.records.get(serverKey);
    return json
      ? { status: 'found', record: JSON.parse(json) as TokenRecord }
      : { status: 'missing' };
  }

  async put(record: TokenRecord): Promise<TokenRecord> {
    return this.write(record);
  }

  async commit(record: TokenRecord, expectedGeneration: number): Promise<CommitResult> {
    if (this.generationOf(record.server_key) !== expectedGeneration)
      return { committed: false, current: this.current(record.server_key) };
    this.commits += 1;
    return { committed: true, record: this.write(record) };
  }

  async delete(serverKey: string, expectedGeneration?: number): Promise<boolean> {
    const current = this.current(serverKey);
    if (!current) return false;
    if (expectedGeneration !== undefined && current.generation !== expectedGeneration) return false;
    this.records.delete(serverKey);
    this.emit({ serverKey, record: null });
    return true;
  }

  async acquireLease(serverKey: string, ownerId: string, ttlMs: number): Promise<boolean> {
    const lease = this.leases.get(serverKey);
    if (lease && lease.owner !== ownerId && lease.until > this.now()) return false;
    this.leases.set(serverKey, { owner: ownerId, until: this.now() + Math.min(ttlMs, 30_000) });
    return true;
  }

  async releaseLease(serverKey: string, ownerId: string): Promise<void> {
    if (this.leases.get(serverKey)?.owner === ownerId) this.leases.delete(serverKey);
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private write(record: TokenRecord): TokenRecord {
    const generation = (this.highWater.get(record.server_key) ?? 0) + 1;
    const json = JSON.stringify({ ...record, generation, updated_at: this.now() });
    this.records.set(record.server_key, json);
    this.highWater.set(record.server_key, generation);
    this.leases.delete(record.server_key);
    const copy = JSON.parse(json) as TokenRecord;
    this.emit({ serverKey: record.server_key, record: copy });
    return copy;
  }

  /** The stored record's generation (0: none), known without decoding it. */
  private generationOf(serverKey: string): number {
    return this.records.has(serverKey) ? (this.highWater.get(serverKey) ?? 0) : 0;
  }

  private current(serverKey: string): TokenRecord | null {
    const json = this.records.get(serverKey);
    return json ? (JSON.parse(json) as TokenRecord) : null;
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
