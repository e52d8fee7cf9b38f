/**
 * @module One redeemer per refresh token across processes (SPEC §3a): before a refresh the
 * process takes the per-server lease; a live lease of another process means "wait for its
 * commit and adopt it". After `invalid_grant` the store is re-read: a newer generation is a lost
 * race, not a dead grant.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { Logger } from '../logger/index.js';
import type { TokenStore } from '../token-store/token-store.js';

export interface RefreshCoordinatorOptions {
  store: TokenStore;
  /** This process (replica) id: the lease owner. */
  ownerId: string;
  logger: Logger;
  /** Lease lifetime, at most 30 s. */
  leaseMs?: number;
  /** How often a waiting process re-reads the record. */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops a wait whose actor is gone (the state was left): nothing will use its answer. */
function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

async function readRecord(store: TokenStore, serverKey: string): Promise<TokenRecord | null> {
  const result = await store.read(serverKey);
  return result.status === 'found' ? result.record : null;
}

/** Creates the hooks the refresh actor calls around redeeming a refresh token. */
export function createRefreshCoordinator(options: RefreshCoordinatorOptions) {
  const { store, ownerId, logger } = options;
  const leaseMs = Math.min(options.leaseMs ?? 30_000, 30_000);
  const pollMs = options.pollMs ?? 200;

  return {
    /**
     * Takes the lease, or waits (bounded by the lease time) for the holder's commit. Returns the
     * stored record when it may be newer than the caller's, else null. Stops waiting when
     * `signal` aborts.
     */
    async beforeRedeem(serverKey: string, signal?: AbortSignal): Promise<TokenRecord | null> {
      const before = await readRecord(store, serverKey);
      const deadline = Date.now() + leaseMs + pollMs;
      while (Date.now() < deadline) {
        checkAborted(signal);
        if (await store.acquireLease(serverKey, ownerId, leaseMs)) {
          // Someone may have committed between our read and the lease: hand back the newest.
          return readRecord(store, serverKey);
        }
        const current = await readRecord(store, serverKey);
        if (current && before && current.generation > before.generation) {
          logger.info(
            { server_key: serverKey },
            'another process refreshed this server; adopting its token',
          );
          return current;
        }
        await sleep(pollMs);
      }
      return readRecord(store, serverKey);
    },
    /** Re-reads the record after `invalid_grant` (a newer generation means a lost race). */
    async onInvalidGrant(serverKey: string): Promise<TokenRecord | null> {
      await store.releaseLease(serverKey, ownerId).catch(() => undefined);
      return readRecord(store, serverKey);
    },
  };
}
