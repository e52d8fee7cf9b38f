/**
 * @module Change announcements of the PostgreSQL store. Each server key's last seen state is a
 * (generation, present) pair; generations never repeat, so "newer" is a comparison and stale
 * re-reads, duplicate NOTIFYs and own writes seen twice are dropped. NOTIFYs trigger a re-read of
 * one key; a slow poll (and every listener reconnect) compares all keys' generations.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { StoreChange } from './token-store.js';

/** One key's state: a record of `generation`, or deleted after `generation` was its last. */
export interface KeyState {
  generation: number;
  present: boolean;
}

/** The queries the watcher needs. */
export interface WatchQueries {
  /** The current state of one key, with its record (null when absent or not decodable). */
  readOne(serverKey: string): Promise<{ state: KeyState; record: TokenRecord | null }>;
  /** The state of every key the store ever wrote. */
  scan(): Promise<Map<string, KeyState>>;
}

type Listener = (change: StoreChange) => void;

const NEVER_WRITTEN: KeyState = { generation: 0, present: false };
/** Order of states of one key: record g < deleted after g < record g + 1. */
const rank = (state: KeyState): number => state.generation * 2 + (state.present ? 0 : 1);

/** Tracks what this process has seen and tells listeners about the rest, once each. */
export class PgChangeWatcher {
  private readonly listeners = new Set<Listener>();
  private readonly seen = new Map<string, KeyState>();
  private queue: Promise<void> = Promise.resolve();
  private pollQueued = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queries: WatchQueries,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Takes the current state as seen, so only later changes are announced. */
  async prime(): Promise<void> {
    for (const [serverKey, state] of await this.queries.scan()) this.seen.set(serverKey, state);
  }

  /** Announces a committed write of this process (`record` null for a delete). */
  noteOwnWrite(serverKey: string, state: KeyState, record: TokenRecord | null): void {
    this.apply(serverKey, state, record);
  }

  /** A NOTIFY named `serverKey`: re-read it (in order with other checks). */
  notified(serverKey: string): void {
    if (this.listeners.size === 0) return;
    void this.enqueue(() => this.recheck(serverKey));
  }

  /**
   * Compares every key with what was seen (a missed NOTIFY, e.g. during a reconnect). Rejects
   * when the store cannot be read; background callers may ignore that (`onError` has it).
   */
  checkAll(): Promise<void> {
    if (this.pollQueued) return this.queue;
    this.pollQueued = true;
    return this.enqueue(async () => {
      this.pollQueued = false;
      await this.pollNow();
    });
  }

  /** Adds a listener; the poll runs while there is at least one. Returns unsubscribe. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.checkAll(), this.pollIntervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Stops for good (store closed). */
  close(): void {
    this.stop();
    this.listeners.clear();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs `work` after what is queued; its failure goes to `onError` and to the returned promise. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch((error: unknown) => this.onError(error));
    return run;
  }

  private async recheck(serverKey: string): Promise<void> {
    const { state, record } = await this.queries.readOne(serverKey);
    this.apply(serverKey, state, record);
  }

  private async pollNow(): Promise<void> {
    const states = await this.queries.scan();
    const changed = [...states].filter(([key, state]) => rank(state) > this.rankOf(key));
    // A seen record whose key vanished entirely (not by mcpproxy): re-read to announce it.
    for (const [key, state] of this.seen)
      if (state.present && !states.has(key)) changed.push([key, state]);
    for (const [serverKey] of changed) await this.recheck(serverKey);
  }

  private rankOf(serverKey: string): number {
    return rank(this.seen.get(serverKey) ?? NEVER_WRITTEN);
  }

  private apply(serverKey: string, state: KeyState, record: TokenRecord | null): void {
    const before = this.seen.get(serverKey) ?? NEVER_WRITTEN;
    const vanished = !state.present && before.present && state.generation < before.generation;
    if (rank(state) <= rank(before) && !vanished) return;
    this.seen.set(serverKey, state);
    // A corrupt value is not announced: a listener could only treat it as a delete, which would
    // log the server out; its next read reports the problem in words instead.
    if (state.present && record === null) return;
    this.emit({ serverKey, record: state.present ? record : null });
  }

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
