/**
 * @module The per-server refresh lease (SPEC §3a): who may redeem the stored refresh token, until
 * when. Pure encoding and rules; the store applies them inside its write transactions.
 */

/** A lease never lasts longer than this, so a dead holder is replaced within 30 s. */
export const MAX_LEASE_MS = 30_000;

/** A stored lease. `expires_at` is wall-clock ms (all processes share the host clock). */
export interface Lease {
  owner: string;
  expires_at: number;
}

/** Clamps a requested lease time to (0, 30 s]. */
export function leaseTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) return MAX_LEASE_MS;
  return Math.min(Math.max(Math.floor(ttlMs), 1), MAX_LEASE_MS);
}

/** True when `lease` is held by someone other than `ownerId` and has not expired at `now`. */
export function heldByOther(lease: Lease | null, ownerId: string, now: number): boolean {
  return lease !== null && lease.owner !== ownerId && lease.expires_at > now;
}

/** Serializes a lease as JSON bytes (leases are not secret: an owner id and a time). */
export function encodeLease(lease: Lease): Buffer {
  return Buffer.from(JSON.stringify(lease), 'utf8');
}

/** Parses stored lease bytes; a malformed lease counts as no lease (it can guard nothing). */
export function decodeLease(bytes: Uint8Array | undefined): Lease | null {
  if (bytes === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Lease).owner === 'string' &&
      typeof (value as Lease).expires_at === 'number'
    ) {
      return { owner: (value as Lease).owner, expires_at: (value as Lease).expires_at };
    }
  } catch {
    // fall through: unreadable lease
  }
  return null;
}

type TokenPair = { access_token?: unknown; refresh_token?: unknown } | null;

/**
 * Whether a write that replaces tokens `before` with `after` ends the lease. It does when the
 * tokens change: a refresh or a login was committed, so the lease's refresh token is no longer
 * the stored one (the commit is the release). A write that keeps the tokens (e.g. the outcome
 * of a failed attempt) leaves the lease to its holder or its expiry, so nobody else redeems a
 * refresh token whose redemption may still be in flight. Deletes always end it.
 */
export function tokensChanged(before: TokenPair, after: TokenPair): boolean {
  return (
    before?.access_token !== after?.access_token || before?.refresh_token !== after?.refresh_token
  );
}
