/**
 * @module The token store: the interface, the embedded LMDB store and record encryption. The
 * PostgreSQL store is imported from `./postgres-store.js` where it is used: it loads `pg`.
 */
export type { CommitResult, ReadResult, StoreChange, TokenStore } from './token-store.js';
export { openLmdbStore } from './lmdb-store.js';
export type { LmdbStoreOptions, LmdbTokenStore } from './lmdb-store.js';
export { LMDB_DIR_NAME } from './lmdb-keys.js';
export { createRecordCipher } from './record-cipher.js';
export type { OpenProblem, OpenResult, RecordCipher } from './record-cipher.js';
export { ENCRYPTION_KEY_ENV, KEY_FILE_NAME, loadEncryptionKey } from './encryption-key.js';
export type { LoadedEncryptionKey } from './encryption-key.js';
export { openRecord, sealRecord, serverNameOf } from './record-codec.js';
export { recordShapeProblem } from './record-shape.js';
export { MAX_LEASE_MS, leaseTtl } from './lease.js';
export { ensurePrivateDir } from './private-files.js';
export type { PostgresStoreOptions, PostgresTokenStore } from './postgres-store.js';
export type { AvailabilityListener, PgStoreLogger } from './pg-availability.js';
export { describePostgresUrl } from './pg-url.js';
export type { PostgresTarget } from './pg-url.js';
