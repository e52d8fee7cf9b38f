/**
 * @module The per-server refresh lease in PostgreSQL (SPEC §3b): a row with owner and expiry on
 * the database clock (replicas on several machines need one clock), taken by a single
 * conditional upsert, so two replicas can never both hold it.
 */
import type { Pool } from 'pg';
import { leaseTtl } from './lease.js';

/**
 * Takes or renews the lease of `serverKey` for `ownerId` for `ttlMs` (clamped to 30 s) unless
 * another owner holds a live one. Returns true when `ownerId` holds it afterwards.
 */
export async function acquireLeaseRow(
  pool: Pool,
  serverKey: string,
  ownerId: string,
  ttlMs: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO mcpproxy_leases AS l (server_key, owner, expires_at)
     VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
     ON CONFLICT (server_key) DO UPDATE
       SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE l.owner = EXCLUDED.owner OR l.expires_at <= clock_timestamp()
     RETURNING l.owner`,
    [serverKey, ownerId, leaseTtl(ttlMs)],
  );
  return rowCount === 1;
}

/** Ends the lease of `serverKey` if `ownerId` holds it (an expired one of theirs too). */
export async function releaseLeaseRow(
  pool: Pool,
  serverKey: string,
  ownerId: string,
): Promise<void> {
  await pool.query('DELETE FROM mcpproxy_leases WHERE server_key = $1 AND owner = $2', [
    serverKey,
    ownerId,
  ]);
}
