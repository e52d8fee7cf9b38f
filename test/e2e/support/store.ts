/**
 * @module Reading what a proxy committed to its LMDB store (the real store, opened read-side
 * from the test process while or after the proxy runs) — as fingerprints, never token values.
 */
import type { TokenRecord } from '../../../machines/upstream/token-record.js';
import { serverKey } from '../../../services/server-key.js';
import { loadEncryptionKey, openLmdbStore } from '../../../services/token-store/index.js';
import type { ReadResult } from '../../../services/token-store/index.js';
import { childEnv } from '../../helpers/proxy-process.js';
import { fingerprint } from './as-log.js';

/** The store's answer for the server `name` at `url` (as serve derives its key). */
export async function readStored(dataDir: string, name: string, url: string): Promise<ReadResult> {
  const { key } = await loadEncryptionKey({ dataDir, env: childEnv() });
  const store = await openLmdbStore({ dataDir, encryptionKey: key });
  try {
    return await store.read(serverKey(name, url));
  } finally {
    await store.close();
  }
}

/** What a test may compare: generation and token fingerprints. */
export interface StoredSummary {
  status: ReadResult['status'];
  generation: number | null;
  access_fp: string | null;
  refresh_fp: string | null;
}

/** Summarises a stored record without exposing its secrets. */
export async function storedSummary(
  dataDir: string,
  name: string,
  url: string,
): Promise<StoredSummary> {
  const result = await readStored(dataDir, name, url);
  const record: TokenRecord | null = result.status === 'found' ? result.record : null;
  const tokens = record?.tokens ?? null;
  return {
    status: result.status,
    generation: record?.generation ?? null,
    access_fp: tokens?.access_token ? fingerprint(tokens.access_token) : null,
    refresh_fp: tokens?.refresh_token ? fingerprint(tokens.refresh_token) : null,
  };
}
