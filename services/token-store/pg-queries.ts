/**
 * @module Read-only queries of the PostgreSQL store's change watch: one key's state and record,
 * and every key's state (generation, present), cheap enough to poll.
 */
import type { Pool, PoolClient } from 'pg';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { KeyState } from './pg-watcher.js';
import type { RecordCipher } from './record-cipher.js';
import { openRecord } from './record-codec.js';

/** What is stored for one key: its record row (if any) and its generation high-water mark. */
export interface KeyRow {
  generation: string | null;
  high_water: string | null;
  record: Buffer | null;
}

/** Reads the row of `serverKey` on a pool or on a transaction's client. */
export async function selectKeyRow(
  db: Pick<PoolClient, 'query'>,
  serverKey: string,
): Promise<KeyRow> {
  const { rows } = await db.query<KeyRow>(
    `SELECT t.generation, g.generation AS high_water, t.record
       FROM (SELECT $1::text AS server_key) AS k
       LEFT JOIN mcpproxy_tokens AS t USING (server_key)
       LEFT JOIN mcpproxy_generations AS g USING (server_key)`,
    [serverKey],
  );
  return rows[0];
}

/** The state of `serverKey` and its record (null when absent or not decodable). */
export async function readKeyState(
  pool: Pool,
  cipher: RecordCipher,
  serverKey: string,
): Promise<{ state: KeyState; record: TokenRecord | null }> {
  const row = await selectKeyRow(pool, serverKey);
  if (row.record === null || row.generation === null) {
    return { state: { generation: Number(row.high_water ?? 0), present: false }, record: null };
  }
  const opened = openRecord(cipher, serverKey, row.record);
  return {
    state: { generation: Number(row.generation), present: true },
    record: opened.status === 'found' ? opened.record : null,
  };
}

/** The state of every key that has a record or had one. */
export async function scanKeyStates(pool: Pool): Promise<Map<string, KeyState>> {
  const { rows } = await pool.query<{ server_key: string; generation: string; present: boolean }>(
    `SELECT server_key,
            coalesce(t.generation, g.generation, 0) AS generation,
            t.server_key IS NOT NULL AS present
       FROM mcpproxy_generations AS g
       FULL JOIN mcpproxy_tokens AS t USING (server_key)`,
  );
  return new Map(
    rows.map((row) => [
      row.server_key,
      { generation: Number(row.generation), present: row.present },
    ]),
  );
}
