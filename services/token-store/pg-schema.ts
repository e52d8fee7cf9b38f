/**
 * @module The PostgreSQL store's schema: numbered migrations recorded in
 * `mcpproxy_schema_version`, applied in one transaction under an advisory lock, so replicas that
 * start together migrate exactly once.
 */
import type { Pool } from 'pg';
import { StoreError } from '../errors.js';
import { inTransaction } from './pg-transaction.js';

/** Channel of the NOTIFY sent with the server key on every record write or delete. */
export const NOTIFY_CHANNEL = 'mcpproxy_tokens';

/** Migration n (1-based) is `MIGRATIONS[n - 1]`. Append only; never edit a released one. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE mcpproxy_tokens (
     server_key text PRIMARY KEY,
     generation bigint NOT NULL,
     record bytea NOT NULL,
     updated_at timestamptz
   );
   -- The highest generation ever assigned per server: kept after a delete, never reused.
   CREATE TABLE mcpproxy_generations (
     server_key text PRIMARY KEY,
     generation bigint
   );
   CREATE TABLE mcpproxy_leases (
     server_key text PRIMARY KEY,
     owner text NOT NULL,
     expires_at timestamptz NOT NULL
   );`,
];

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtextextended('mcpproxy_schema', 0))`;
const VERSION_TABLE_SQL = `CREATE TABLE IF NOT EXISTS mcpproxy_schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Brings the schema up to `SCHEMA_VERSION`. Returns the migrations applied (empty when another
 * replica already did). A database migrated by a newer mcpproxy is refused with a `StoreError`.
 */
export async function migrate(pool: Pool): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    // The lock comes first: concurrent CREATE TABLE IF NOT EXISTS can still collide without it.
    await client.query(LOCK_SQL);
    await client.query(VERSION_TABLE_SQL);
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM mcpproxy_schema_version',
    );
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new StoreError(
        `The token store schema in PostgreSQL is version ${current}, newer than this mcpproxy ` +
          `knows (${SCHEMA_VERSION}): upgrade mcpproxy on this replica.`,
      );
    }
    const applied: number[] = [];
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version - 1]);
      await client.query('INSERT INTO mcpproxy_schema_version (version) VALUES ($1)', [version]);
      applied.push(version);
    }
    return applied;
  });
}
