/**
 * @module One transaction on a pooled PostgreSQL client: BEGIN, the caller's statements, COMMIT
 * (ROLLBACK on error), and a client that failed is dropped from the pool rather than reused.
 */
import type { Pool, PoolClient } from 'pg';

/** Runs `fn` inside BEGIN … COMMIT on one pooled client; rolls back and rethrows on error. */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      // The connection itself failed: do not hand this client to the next caller.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
