/**
 * @module Reads the refresh leases straight from the PostgreSQL store (`mcpproxy_leases`), so a
 * test can find which replica holds a server's lease and until when (on the database clock).
 */
import pg from 'pg';

export interface LeaseRow {
  server_key: string;
  owner: string;
  /** ms since epoch (database clock; one host in tests). */
  expires_at: number;
}

/** Every lease row in the store at `url`. */
export async function readLeases(url: string): Promise<LeaseRow[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_key: string; owner: string; expires_at: Date }>(
      'SELECT server_key, owner, expires_at FROM mcpproxy_leases ORDER BY server_key',
    );
    return rows.map((r) => ({ ...r, expires_at: r.expires_at.getTime() }));
  } finally {
    await client.end();
  }
}
