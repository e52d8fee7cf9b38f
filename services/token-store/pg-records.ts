/**
 * @module The write transactions of the PostgreSQL store. Every write of one server takes a
 * transaction-scoped advisory lock on its key first, so writers of a key queue up across replicas;
 * the generation check then decides a compare-and-swap, and the same transaction ends the lease
 * and sends the NOTIFY.
 */
import type { PoolClient } from 'pg';
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import { StoreError } from '../errors.js';
import { tokensChanged } from './lease.js';
import { selectKeyRow } from './pg-queries.js';
import { NOTIFY_CHANNEL } from './pg-schema.js';
import type { RecordCipher } from './record-cipher.js';
import { openRecord, sealRecord } from './record-codec.js';
import { recordShapeProblem } from './record-shape.js';

/** What a write transaction found stored for one server. */
export interface Stored {
  /** Generation of the stored record; 0 when there is none. */
  current: number;
  /** Highest generation ever assigned to this server (survives deletes). */
  highWater: number;
  /** The stored record; null when there is none, undefined when it could not be decoded. */
  record: TokenRecord | null | undefined;
}

/** A record as written: the stored copy and its sealed bytes. */
export interface Written {
  record: TokenRecord;
  bytes: Buffer;
}

const toNumber = (value: string | number | null): number => (value === null ? 0 : Number(value));

/** Locks `serverKey` for writing until the transaction ends and reads what is stored. */
export async function lockAndLoad(
  client: PoolClient,
  cipher: RecordCipher,
  serverKey: string,
): Promise<Stored> {
  await lockKey(client, serverKey);
  const row = await selectKeyRow(client, serverKey);
  const current = toNumber(row.generation);
  const highWater = Math.max(toNumber(row.high_water), current);
  if (row.record === null) return { current, highWater, record: null };
  const decoded = openRecord(cipher, serverKey, row.record);
  return { current, highWater, record: decoded.status === 'found' ? decoded.record : undefined };
}

/**
 * Seals and writes `record` as the next generation; call after `lockAndLoad` in the same
 * transaction. Ends the lease when the tokens change (the commit is the release), as LMDB does.
 */
export async function writeRecord(
  client: PoolClient,
  cipher: RecordCipher,
  record: TokenRecord,
  stored: Stored,
): Promise<Written> {
  const serverKey = record.server_key;
  const next: TokenRecord = { ...record, generation: stored.highWater + 1, updated_at: Date.now() };
  const json = JSON.stringify(next);
  const copy = JSON.parse(json) as TokenRecord;
  const problem = recordShapeProblem(copy, serverKey);
  if (problem !== null) {
    throw new StoreError(
      `Refusing to store an invalid token record for server key ${serverKey}: ${problem}.`,
    );
  }
  const bytes = sealRecord(cipher, copy);
  const result =
    stored.current === 0
      ? await client.query(
          `INSERT INTO mcpproxy_tokens (server_key, generation, record, updated_at)
           VALUES ($1, $2, $3, now()) ON CONFLICT (server_key) DO NOTHING`,
          [serverKey, next.generation, bytes],
        )
      : await client.query(
          `UPDATE mcpproxy_tokens SET generation = $2, record = $3, updated_at = now()
            WHERE server_key = $1 AND generation = $4`,
          [serverKey, next.generation, bytes, stored.current],
        );
  if (result.rowCount !== 1) {
    // Only a writer that bypasses the key lock (not mcpproxy) can get here.
    throw new StoreError(
      `The token record of server key ${serverKey} changed in PostgreSQL during a write; retry.`,
    );
  }
  await raiseHighWater(client, serverKey, next.generation);
  if (stored.record === undefined || tokensChanged(stored.record?.tokens ?? null, next.tokens)) {
    await client.query('DELETE FROM mcpproxy_leases WHERE server_key = $1', [serverKey]);
  }
  await notify(client, serverKey);
  return { record: copy, bytes };
}

/**
 * Deletes the record of `serverKey` if its generation is `expectedGeneration` (or always when
 * omitted), with its lease. Returns the deleted generation, or null when nothing was deleted.
 */
export async function deleteRecord(
  client: PoolClient,
  serverKey: string,
  expectedGeneration: number | undefined,
): Promise<number | null> {
  await lockKey(client, serverKey);
  const { rows } = await client.query<{ generation: string }>(
    `DELETE FROM mcpproxy_tokens
      WHERE server_key = $1 AND ($2::bigint IS NULL OR generation = $2)
      RETURNING generation`,
    [serverKey, expectedGeneration ?? null],
  );
  if (rows.length === 0) return null;
  const generation = Number(rows[0].generation);
  await raiseHighWater(client, serverKey, generation);
  await client.query('DELETE FROM mcpproxy_leases WHERE server_key = $1', [serverKey]);
  await notify(client, serverKey);
  return generation;
}

/** Holds the write lock of `serverKey` until the transaction ends (queues its other writers). */
async function lockKey(client: PoolClient, serverKey: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `mcpproxy_tokens:${serverKey}`,
  ]);
}

async function raiseHighWater(client: PoolClient, serverKey: string, generation: number) {
  await client.query(
    `INSERT INTO mcpproxy_generations (server_key, generation) VALUES ($1, $2)
     ON CONFLICT (server_key) DO UPDATE
       SET generation = GREATEST(mcpproxy_generations.generation, EXCLUDED.generation)`,
    [serverKey, generation],
  );
}

async function notify(client: PoolClient, serverKey: string): Promise<void> {
  // Delivered on COMMIT only, to every listening session (this replica's own included).
  await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, serverKey]);
}
