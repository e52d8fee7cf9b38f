/**
 * @module Change notification for a store shared by processes: own writes are announced at once;
 * other processes' writes are found by polling a cheap version marker and, when it moved,
 * diffing a fingerprint of every stored record against the last one seen.
 */
import { createHash } from 'node:crypto';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { StoreChange } from './token-store.js';

/** What the watcher needs from a store: a fresh snapshot's marker and records. */
export interface WatchSource {
  /** The version marker of the latest committed state (changes on every record write). */
  version(): string;
  /** Every stored record value of the same snapshot as the last `version()` call. */
  scan(): Iterable<{ serverKey: string; bytes: Uint8Array }>;
  /** Decodes a value; null when it is corrupt (nothing a listener could use). */
  decode(serverKey: string, bytes: Uint8Array): TokenRecord | null;
}

type Listener = (change: StoreChange) => void;

/** Fingerprint of a stored value: any rewrite changes it (a fresh IV per seal). */
function fingerprint(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** Tracks what this process has seen and tells listeners about the rest. */
export class ChangeWatcher {
  private readonly listeners = new Set<Listener>();
  private readonly seen = new Map<string, string>();
  private lastVersion = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: WatchSource,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Takes the current state as seen, so only later changes are reported. */
  prime(): void {
    this.lastVersion = this.source.version();
    for (const { serverKey, bytes } of this.source.scan()) {
      this.seen.set(serverKey, fingerprint(bytes));
    }
  }

  /** Announces a committed write of this process (`bytes`/`record` null for a delete). */
  noteOwnWrite(serverKey: string, bytes: Uint8Array | null, record: TokenRecord | null): void {
    if (bytes === null) this.seen.delete(serverKey);
    else this.seen.set(serverKey, fingerprint(bytes));
    this.emit({ serverKey, record });
  }

  /** Adds a listener; polling runs while there is at least one. Returns unsubscribe. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.pollSafely(), this.pollIntervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Looks for changes made by other processes; emits one change per changed key. */
  poll(): void {
    const version = this.source.version();
    if (version === this.lastVersion) return;
    this.lastVersion = version;
    const present = new Set<string>();
    const changes: StoreChange[] = [];
    for (const { serverKey, bytes } of this.source.scan()) {
      present.add(serverKey);
      const print = fingerprint(bytes);
      if (this.seen.get(serverKey) === print) continue;
      this.seen.set(serverKey, print);
      const record = this.source.decode(serverKey, bytes);
      // A corrupt value is not announced: a listener could only treat it as a delete, which
      // would log the server out; its next read reports the problem in words instead.
      if (record !== null) changes.push({ serverKey, record });
    }
    for (const serverKey of [...this.seen.keys()]) {
      if (present.has(serverKey)) continue;
      this.seen.delete(serverKey);
      changes.push({ serverKey, record: null });
    }
    for (const change of changes) this.emit(change);
  }

  /** Stops the poll timer (until the next `watch`). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops polling for good (store closed). */
  close(): void {
    this.stop();
    this.listeners.clear();
  }

  private pollSafely(): void {
    try {
      this.poll();
    } catch (error) {
      this.onError(error);
    }
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
