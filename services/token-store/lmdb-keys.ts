/**
 * @module The key layout of the LMDB token store (one unnamed database, string keys):
 * `record:<serverKey>` encrypted record, `gen:<serverKey>` last generation ever assigned (kept
 * after a delete so generations never repeat), `lease:<serverKey>` refresh lease, and
 * `meta:version`, a counter bumped by every record write (the cheap marker pollers compare).
 */

/** Name of the LMDB environment directory inside the data dir. */
export const LMDB_DIR_NAME = 'mcpproxy.lmdb';

export const VERSION_KEY = 'meta:version';
export const RECORD_PREFIX = 'record:';
/** Exclusive end of the record range (`;` follows `:`). */
export const RECORD_RANGE_END = 'record;';

export const recordKey = (serverKey: string): string => `${RECORD_PREFIX}${serverKey}`;
export const generationKey = (serverKey: string): string => `gen:${serverKey}`;
export const leaseKey = (serverKey: string): string => `lease:${serverKey}`;

/** Encodes a counter value as stored (decimal text). */
export function encodeCounter(value: number): Buffer {
  return Buffer.from(String(value), 'utf8');
}

/** Decodes a stored counter; undefined when absent or unreadable. */
export function decodeCounter(bytes: Uint8Array | undefined): number | undefined {
  if (bytes === undefined) return undefined;
  const value = Number(Buffer.from(bytes).toString('utf8'));
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
