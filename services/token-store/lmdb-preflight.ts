/**
 * @module Checks made before LMDB opens a store dir, and the sentences for open failures. The
 * native binding crashes the process (SIGSEGV/SIGBUS) on some damaged files instead of throwing,
 * so the gross cases are caught here first: wrong file types, a data file without LMDB headers.
 */
import { open as openFile, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { describeFsError, errnoName } from './fs-reason.js';

const LMDB_MAGIC = 0xbeefc0de;
// Where the meta page's magic sits: after a 24-byte page header (lmdb-js 3) or 16 (classic LMDB).
const MAGIC_OFFSETS = [24, 16];

/** The hint appended to every "the store is damaged" sentence. */
function moveAsideHint(lmdbPath: string): string {
  return (
    `Move it aside (mv ${lmdbPath} ${lmdbPath}.broken) to start with an empty store and log in ` +
    'again, or restore it from a backup.'
  );
}

/** Throws a `StoreError` when the LMDB dir holds files LMDB would crash on. */
export async function preflightLmdbDir(lmdbPath: string): Promise<void> {
  for (const name of ['data.mdb', 'lock.mdb']) {
    const path = join(lmdbPath, name);
    const info = await stat(path).catch((error: unknown) => {
      if (errnoName(error) === 'ENOENT') return null;
      throw openError(lmdbPath, error);
    });
    if (info === null) continue;
    if (!info.isFile()) {
      throw new StoreError(
        `Cannot open the token store at ${lmdbPath}: ${name} is not a regular file. ` +
          moveAsideHint(lmdbPath),
      );
    }
    if (name === 'data.mdb' && info.size > 0) await checkDataHeader(lmdbPath, path, info.size);
  }
}

async function checkDataHeader(lmdbPath: string, path: string, size: number): Promise<void> {
  const handle = await openFile(path, 'r').catch((error: unknown) => {
    throw openError(lmdbPath, error);
  });
  try {
    const first = Buffer.alloc(64);
    await handle.read(first, 0, first.length, 0);
    const offset = MAGIC_OFFSETS.find((at) => readU32(first, at) === LMDB_MAGIC);
    // The page size sits in the meta right after magic, version, address and map size.
    const pageSize = offset === undefined ? 0 : readU32(first, offset + 24);
    const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
    let secondMetaOk = false;
    if (offset !== undefined && validPageSize && size >= 2 * pageSize) {
      const second = Buffer.alloc(4);
      await handle.read(second, 0, 4, pageSize + offset);
      secondMetaOk = readU32(second, 0) === LMDB_MAGIC;
    }
    if (!secondMetaOk) {
      throw new StoreError(
        `Cannot open the token store at ${lmdbPath}: data.mdb is damaged or is not an LMDB ` +
          `database file. ${moveAsideHint(lmdbPath)}`,
      );
    }
  } finally {
    await handle.close();
  }
}

function readU32(buffer: Buffer, offset: number): number {
  return endianness() === 'LE' ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset);
}

/** The `StoreError` for a failure to open the store at `lmdbPath`, as a sentence with a fix. */
export function openError(lmdbPath: string, error: unknown): StoreError {
  const name = errnoName(error);
  const parent = join(lmdbPath, '..');
  const message =
    error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  let advice: string;
  if (name === 'EACCES' || name === 'EPERM') {
    advice = `Check that the data dir belongs to you (ls -ld ${parent}) or pass --data-dir.`;
  } else if (name === 'EROFS' || name === 'ENOSPC' || name === 'EDQUOT') {
    advice = 'Free space or make the file system writable, or pass --data-dir.';
  } else if (name === 'EAGAIN' || name === 'EBUSY') {
    advice = 'Another process holds it in a way that blocks opening; stop it and retry.';
  } else if (/MDB_INVALID|MDB_VERSION_MISMATCH|MDB_CORRUPTED|MDB_PAGE_NOTFOUND/.test(message)) {
    return new StoreError(
      `Cannot open the token store at ${lmdbPath}: it is damaged or was written by an ` +
        `incompatible LMDB version. ${moveAsideHint(lmdbPath)}`,
      { cause: error },
    );
  } else {
    advice = `Check the path and its permissions (ls -la ${lmdbPath}) or pass --data-dir.`;
  }
  return new StoreError(
    `Cannot open the token store at ${lmdbPath}: ${describeFsError(error)}. ${advice}`,
    { cause: error },
  );
}
