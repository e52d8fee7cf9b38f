/**
 * @module One redeemer per refresh token across processes (SPEC §3a, §3b): before a refresh the
 * process takes the per-server lease; a live lease of another process means "wait for its
 * commit and adopt it", and nothing is redeemed without the lease. A store that cannot be
 * reached (PostgreSQL down) is waited for, not redeemed around. After `invalid_grant` the store
 * is re-read: a newer generation is a lost race, not a dead grant.
 */
import { deadGrantOf, type TokenRecord } from '../../machines/upstream/token-record.js';
import { OAuthFlowError } from '../errors.js';
import { type LateAnswer, type RedeemDecision, untilAborted } from '../oauth/refresh-actor.js';
import type { Logger } from '../logger/index.js';
import { MAX_LEASE_MS } from '../token-store/lease.js';
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
  /**
   * How long to wait for another holder's commit before giving up with a transient failure
   * (default: the longest lease, 30 s, plus one poll).
   */
  maxWaitMs?: number;
  /** How long a newer record's access token must still be valid to be adopted (default 1 s). */
  adoptMarginMs?: number;
  /** Longest pause between attempts while the store cannot be reached (default 2 s). */
  outagePollMs?: number;
  now?: () => number;
}

/** Stops a wait whose actor is gone (the state was left): nothing will use its answer. */
function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Sleeps `ms`, ending early (with the abort reason) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const usable = (record: TokenRecord | null, now: number): record is TokenRecord =>
  Boolean(record?.tokens?.access_token) &&
  (record!.expires_at === null || record!.expires_at > now);

/** Creates the hooks the refresh actor calls around redeeming a refresh token. */
export function createRefreshCoordinator(options: RefreshCoordinatorOptions) {
  const { store, ownerId, logger } = options;
  const leaseMs = Math.min(options.leaseMs ?? MAX_LEASE_MS, MAX_LEASE_MS);
  const pollMs = options.pollMs ?? 200;
  const outagePollMs = options.outagePollMs ?? 2_000;
  const maxWaitMs = options.maxWaitMs ?? MAX_LEASE_MS + pollMs;
  const adoptMarginMs = options.adoptMarginMs ?? 1_000;
  const now = options.now ?? Date.now;

  /**
   * Runs one store operation; while the store reports itself unreachable, retries (250 ms
   * doubling to `outagePollMs`) until it answers or `signal` aborts. Other failures throw.
   */
  async function whileUnavailable<T>(
    serverKey: string,
    operation: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<{ value: T; waited: boolean }> {
    let delay = 250;
    let waited = false;
    for (;;) {
      checkAborted(signal);
      try {
        return { value: await operation(), waited };
      } catch (error) {
        if (store.isAvailable?.() !== false) throw error;
        if (!waited) {
          logger.warn(
            {
              server_key: serverKey,
              error: error instanceof Error ? error.message : String(error),
            },
            'Token store unavailable: the refresh waits for it (nothing is redeemed meanwhile)',
          );
        }
        waited = true;
        await sleep(delay, signal);
        delay = Math.min(delay * 2, outagePollMs);
      }
    }
  }

  const read = async (serverKey: string, signal: AbortSignal | undefined) => {
    const { value, waited } = await whileUnavailable(
      serverKey,
      () => store.read(serverKey),
      signal,
    );
    return { record: value.status === 'found' ? value.record : null, waited };
  };

  /**
   * Whether a newer stored record may be taken instead of redeeming: it has no tokens (logged out
   * elsewhere), its tokens carry another process's note that the token endpoint refused them
   * (nothing is left to redeem: the caller parks), or an access token that stays usable for
   * `adoptMarginMs` more — so it is still usable when the caller gets it, and a connect with it
   * does not meet an expired token.
   */
  const adoptable = (record: TokenRecord | null, newerThan: number): record is TokenRecord =>
    record !== null &&
    record.generation > newerThan &&
    (!record.tokens || deadGrantOf(record) !== null || usable(record, now() + adoptMarginMs));

  /**
   * Decides whether the caller adopts a newer committed record (no lease held) or redeems (this
   * process holds the lease; `redeem` is the newest stored record, or null if none).
   */
  /** Answers of cancelled attempts still awaited, by server key (see `settleLate`). */
  const late = new Map<string, Promise<void>>();

  async function prepareRedeem(
    serverKey: string,
    signal?: AbortSignal,
    knownGeneration?: number,
  ): Promise<RedeemDecision> {
    // A cancelled attempt of this process may still be answered with a rotated token: decide
    // after it is stored (adopting it), never by sending the same refresh token again.
    const pendingLate = late.get(serverKey);
    if (pendingLate) await untilAborted(pendingLate, signal);
    const before = (await read(serverKey, signal)).record;
    // Committed elsewhere already (the watch has not told the actor yet): adopt, no lease.
    if (knownGeneration !== undefined && adoptable(before, knownGeneration))
      return { adopt: before };
    // Only a commit newer than anything the caller or this wait has seen is adopted unleased.
    const floor = Math.max(before?.generation ?? 0, knownGeneration ?? 0);
    let deadline = now() + maxWaitMs;
    let told = false;
    for (;;) {
      const taken = await whileUnavailable(
        serverKey,
        () => store.acquireLease(serverKey, ownerId, leaseMs),
        signal,
      );
      if (taken.value) {
        // Someone may have committed between our read and the lease: decide on the newest.
        const newest = (await read(serverKey, signal)).record;
        if (knownGeneration !== undefined && adoptable(newest, knownGeneration)) {
          await store.releaseLease(serverKey, ownerId).catch(() => undefined);
          return { adopt: newest };
        }
        return { redeem: newest };
      }
      const current = await read(serverKey, signal);
      if (adoptable(current.record, floor)) {
        logger.info(
          { server_key: serverKey },
          'another process refreshed this server; adopting its token',
        );
        return { adopt: current.record };
      }
      if (!told) {
        // A lease left by a process that stopped mid-refresh runs out by itself: say why nothing
        // seems to happen meanwhile.
        told = true;
        logger.info(
          { server_key: serverKey, wait_ms: maxWaitMs },
          'Another process holds the refresh lease of this server; waiting for its commit or for the lease to run out',
        );
      }
      // A store outage stops every clock but the lease's: give the holder its full time again.
      if (taken.waited || current.waited) deadline = now() + maxWaitMs;
      if (now() >= deadline) {
        throw new OAuthFlowError(
          'failed_other',
          'Another replica holds the refresh lease of this server and has not committed a new token within 30 s',
        );
      }
      await sleep(pollMs, signal);
    }
  }

  return {
    /**
     * Takes the lease, or waits for the holder's commit (bounded by the longest lease, 30 s), and
     * says what the caller may do: adopt a newer committed record, or redeem while this process
     * holds the lease. Nothing may be redeemed otherwise. With `knownGeneration` (the caller's
     * record), a lease taken only to find a newer adoptable record is released at once. Waits
     * through store outages; stops when `signal` aborts; throws a transient failure when another
     * holder's lease stays taken.
     */
    prepareRedeem,
    /**
     * `prepareRedeem` for callers that only want a record: the adoptable one, or the newest
     * stored one (lease held). Prefer `prepareRedeem`: only it says which of the two it was.
     */
    async beforeRedeem(
      serverKey: string,
      signal?: AbortSignal,
      knownGeneration?: number,
    ): Promise<TokenRecord | null> {
      const decision = await prepareRedeem(serverKey, signal, knownGeneration);
      return 'adopt' in decision ? decision.adopt : decision.redeem;
    },
    /**
     * Keeps this process's lease of `serverKey` alive while its redemption is in flight (renewed
     * every third of the lease time), so a token request that takes long is never taken over by
     * another replica while it may still be answered. Answers `stop`, which also waits for a
     * renewal in flight: none may land after the commit that ends the lease.
     */
    holdLease(serverKey: string): () => Promise<void> {
      let renewing: Promise<unknown> = Promise.resolve();
      let stopped = false;
      const timer = setInterval(
        () => {
          renewing = store.acquireLease(serverKey, ownerId, leaseMs).catch(() => false);
        },
        Math.max(100, Math.floor(leaseMs / 3)),
      );
      timer.unref();
      return async () => {
        if (!stopped) clearInterval(timer);
        stopped = true;
        await renewing;
      };
    },
    /**
     * Takes over the answer of an attempt cancelled after it sent its refresh token (the state
     * was left: a restart, a config change): stores the record it brings (compare-and-swap on
     * the generation it redeemed; the store's watch then brings it to the actor), keeps the lease
     * until then, and makes the next `prepareRedeem` of the server wait for it.
     */
    settleLate(serverKey: string, answer: LateAnswer, stopHolding?: () => Promise<void>): void {
      const settled = answer
        .then(
          async ({ record, expectedGeneration }) => {
            const stored = {
              ...record,
              last_refresh: { result: 'success' as const, at: now() },
            };
            const result = await store.commit(stored, expectedGeneration);
            if (result.committed) {
              logger.info(
                { server_key: serverKey, generation: result.record.generation },
                'A refresh answered after its attempt was cancelled: its rotated token is stored',
              );
            } else {
              logger.warn(
                { server_key: serverKey },
                'A refresh answered after its attempt was cancelled, but the record changed meanwhile: its token is not stored',
              );
            }
          },
          (error: unknown) =>
            logger.info(
              {
                server_key: serverKey,
                error: error instanceof Error ? error.message : String(error),
              },
              'A cancelled refresh failed after all: nothing to store',
            ),
        )
        .catch((error: unknown) =>
          logger.warn(
            {
              server_key: serverKey,
              error: error instanceof Error ? error.message : String(error),
            },
            'A refresh answered after its attempt was cancelled could not be stored',
          ),
        )
        .finally(async () => {
          await stopHolding?.();
          await store.releaseLease(serverKey, ownerId).catch(() => undefined);
          if (late.get(serverKey) === settled) late.delete(serverKey);
        });
      late.set(serverKey, settled);
    },
    /**
     * Gives up this process's lease of `serverKey` at once: its attempt was cancelled (the state
     * was left, or the process is stopping), so nothing of it will be committed. Another process,
     * or this one after a restart, need not wait for the lease to run out.
     */
    async releaseLease(serverKey: string): Promise<void> {
      await store.releaseLease(serverKey, ownerId).catch(() => undefined);
    },
    /** Re-reads the record after `invalid_grant` (a newer generation means a lost race). */
    async onInvalidGrant(serverKey: string): Promise<TokenRecord | null> {
      await store.releaseLease(serverKey, ownerId).catch(() => undefined);
      const result = await store.read(serverKey);
      return result.status === 'found' ? result.record : null;
    },
  };
}
