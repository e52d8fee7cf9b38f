/**
 * @module `commitRefresh`: the compare-and-swap of SPEC §3a phrased the way a caller thinks of it
 * — "write the refreshed pair only if the stored refresh token is still the one I redeemed" — over
 * any `TokenStore`'s generation CAS.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { TokenStore } from './token-store.js';

/** Whether the caller's refresh won; a loser gets what is stored now (adopt it if it is usable). */
export type CommitRefreshResult =
  { won: true; record: TokenRecord } | { won: false; current: TokenRecord | null };

/**
 * Commits `newRecord` for `serverKey` only if the stored record still holds
 * `redeemedRefreshToken`. Every committed write bumps the generation, so "the generation I read
 * with that refresh token is still current" is the same test, and the store checks it inside the
 * write transaction (`commit`): a rotation committed by another process between the read and the
 * write makes the commit lose, never overwrite.
 */
export async function commitRefresh(
  store: TokenStore,
  serverKey: string,
  redeemedRefreshToken: string,
  newRecord: TokenRecord,
): Promise<CommitRefreshResult> {
  if (newRecord.server_key !== serverKey) {
    throw new Error(
      `commitRefresh: the record is for ${newRecord.server_key}, not ${serverKey}; this is a bug in the caller.`,
    );
  }
  const read = await store.read(serverKey);
  if (read.status !== 'found') return { won: false, current: null };
  if (read.record.tokens?.refresh_token !== redeemedRefreshToken) {
    return { won: false, current: read.record };
  }
  const outcome = await store.commit(newRecord, read.record.generation);
  return outcome.committed
    ? { won: true, record: outcome.record }
    : { won: false, current: outcome.current };
}
