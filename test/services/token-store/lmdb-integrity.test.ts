/**
 * @module LMDB token store: what it does with bad bytes, wrong keys and broken directories, and
 * what it leaves on disk (modes, no plaintext).
 */
import { open } from 'lmdb';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../../services/errors.js';
import { openLmdbStore } from '../../../services/token-store/lmdb-store.js';
import type { LmdbTokenStore } from '../../../services/token-store/lmdb-store.js';
import { createRecordCipher } from '../../../services/token-store/record-cipher.js';
import { tmpDirs } from '../../helpers/tmp-dir.js';
import { GITHUB, KEY, KEY_HEX, LINEAR, loggedIn, OTHER_KEY } from './support.js';

const dirs = tmpDirs('mcpproxy-integrity-');
const stores: LmdbTokenStore[] = [];

async function openStore(dataDir: string, encryptionKey = KEY): Promise<LmdbTokenStore> {
  const store = await openLmdbStore({ dataDir, encryptionKey });
  stores.push(store);
  return store;
}

/** Writes raw bytes under a key, bypassing the store (as damage or another program would). */
async function writeRaw(dataDir: string, key: string, value: Buffer): Promise<void> {
  const db = open<Buffer, string>({
    path: join(dataDir, 'mcpproxy.lmdb'),
    encoding: 'binary',
    noSubdir: false,
  });
  db.transactionSync(() => db.putSync(key, value));
  await db.close();
}

async function readRaw(dataDir: string, key: string): Promise<Buffer | undefined> {
  const db = open<Buffer, string>({
    path: join(dataDir, 'mcpproxy.lmdb'),
    encoding: 'binary',
    noSubdir: false,
  });
  const value = db.get(key);
  await db.close();
  return value === undefined ? undefined : Buffer.from(value);
}

async function corruptError(store: LmdbTokenStore, key: string): Promise<string> {
  const result = await store.read(key);
  if (result.status !== 'corrupt') throw new Error(`expected corrupt, got ${result.status}`);
  return result.error;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await dirs.cleanup();
});

describe('corrupt values', () => {
  it('reports garbage under a record key as corrupt, naming the server and the fix', async () => {
    const dataDir = await dirs.make();
    const store = await openStore(dataDir);
    await store.put(loggedIn(LINEAR, 'at-linear'));

    await writeRaw(dataDir, `record:${GITHUB}`, Buffer.from('not a record at all'));

    const error = await corruptError(store, GITHUB);
    expect(error).toContain(`server "github" (key ${GITHUB})`);
    expect(error).toContain('mcpproxy auth login --server github');
    expect((await store.read(LINEAR)).status).toBe('found');
    const replaced = await store.put(loggedIn(GITHUB, 'at-new'));
    expect(await store.read(GITHUB)).toEqual({ status: 'found', record: replaced });
  });

  it('reports altered bytes of a real record as failing the integrity check', async () => {
    const dataDir = await dirs.make();
    const store = await openStore(dataDir);
    await store.put(loggedIn(GITHUB, 'at-1'));
    const bytes = (await readRaw(dataDir, `record:${GITHUB}`)) as Buffer;
    bytes[bytes.length - 1] ^= 0xff;

    await writeRaw(dataDir, `record:${GITHUB}`, bytes);

    expect(await corruptError(store, GITHUB)).toMatch(/integrity check.*damaged or altered/);
  });

  it('refuses a record moved under another server key', async () => {
    const dataDir = await dirs.make();
    const store = await openStore(dataDir);
    await store.put(loggedIn(GITHUB, 'at-1'));

    await writeRaw(dataDir, `record:${LINEAR}`, (await readRaw(dataDir, `record:${GITHUB}`))!);

    expect(await corruptError(store, LINEAR)).toContain('integrity check');
  });

  it('reports a well-encrypted value that is not a token record', async () => {
    const dataDir = await dirs.make();
    const store = await openStore(dataDir);
    const sealed = createRecordCipher(KEY).seal(JSON.stringify({ server_key: GITHUB }), GITHUB);

    await writeRaw(dataDir, `record:${GITHUB}`, sealed);

    expect(await corruptError(store, GITHUB)).toMatch(
      /not a valid token record \(field name is missing\)/,
    );
  });

  it('says the encryption key changed when records were written with another key', async () => {
    const dataDir = await dirs.make();
    const writer = await openLmdbStore({ dataDir, encryptionKey: KEY });
    await writer.put(loggedIn(GITHUB, 'at-1'));
    await writer.close();

    const store = await openStore(dataDir, OTHER_KEY);

    const error = await corruptError(store, GITHUB);
    expect(error).toContain('encrypted with a different encryption key');
    expect(error).toContain('$MCPPROXY_ENCRYPTION_KEY changed or mcpproxy.key was replaced');
    expect(error).toContain('mcpproxy auth login --server github');
    expect(error).not.toContain(KEY_HEX);
    const relogin = await store.put(loggedIn(GITHUB, 'at-2'));
    expect(await store.read(GITHUB)).toEqual({ status: 'found', record: relogin });
  });
});

describe('on disk', () => {
  it('creates the data dir 0700, the LMDB dir 0700 and its files 0600', async () => {
    const dataDir = join(await dirs.make(), 'nested', 'data');

    await openStore(dataDir);

    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const lmdbDir = join(dataDir, 'mcpproxy.lmdb');
    expect((await stat(lmdbDir)).mode & 0o777).toBe(0o700);
    const files = await readdir(lmdbDir);
    expect(files.sort()).toEqual(['data.mdb', 'lock.mdb']);
    for (const file of files) expect((await stat(join(lmdbDir, file))).mode & 0o777).toBe(0o600);
  });

  it('tightens a loosened LMDB dir and files when it opens', async () => {
    const dataDir = await dirs.make();
    await (await openLmdbStore({ dataDir, encryptionKey: KEY })).close();
    const lmdbDir = join(dataDir, 'mcpproxy.lmdb');
    await chmod(lmdbDir, 0o755);
    await chmod(join(lmdbDir, 'data.mdb'), 0o644);

    await openStore(dataDir);

    expect((await stat(lmdbDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(lmdbDir, 'data.mdb'))).mode & 0o777).toBe(0o600);
  });

  it('never writes the tokens or the key in plaintext', async () => {
    const dataDir = await dirs.make();
    const store = await openLmdbStore({ dataDir, encryptionKey: KEY });
    await store.put(loggedIn(GITHUB, 'SECRET-ACCESS-TOKEN-4f1c', 'SECRET-REFRESH-TOKEN-9a2e'));
    await store.close();

    const bytes = await readFile(join(dataDir, 'mcpproxy.lmdb', 'data.mdb'));

    expect(bytes.includes('SECRET-ACCESS-TOKEN-4f1c')).toBe(false);
    expect(bytes.includes('SECRET-REFRESH-TOKEN-9a2e')).toBe(false);
    expect(bytes.includes(KEY)).toBe(false);
    expect(bytes.includes(KEY_HEX)).toBe(false);
    expect(bytes.includes(`record:${GITHUB}`)).toBe(true); // the bytes really are the store
  });
});

describe('a store that cannot be opened', () => {
  async function openError(dataDir: string): Promise<StoreError> {
    const error = await openLmdbStore({ dataDir, encryptionKey: KEY }).then(
      () => new Error('opened'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).not.toMatch(/\n\s+at /);
    return error as StoreError;
  }

  it('explains a data dir path that is a file', async () => {
    const file = join(await dirs.make(), 'data');
    await writeFile(file, 'x');

    const error = await openError(file);

    expect(error.message).toContain(file);
    expect(error.message).toBe(
      `${file} is not a directory. Move that file away or pass another --data-dir.`,
    );
  });

  it('explains a store path that is a file', async () => {
    const dataDir = await dirs.make();
    await writeFile(join(dataDir, 'mcpproxy.lmdb'), 'x');

    const error = await openError(dataDir);

    expect(error.message).toBe(
      `${join(dataDir, 'mcpproxy.lmdb')} is not a directory. Move that file away or pass another --data-dir.`,
    );
  });

  it('explains a damaged data file instead of crashing the process', async () => {
    const dataDir = await dirs.make();
    await mkdir(join(dataDir, 'mcpproxy.lmdb'));
    await writeFile(join(dataDir, 'mcpproxy.lmdb', 'data.mdb'), Buffer.alloc(20_000, 7));

    const error = await openError(dataDir);

    expect(error.message).toMatch(/data.mdb is damaged or is not an LMDB database file/);
    expect(error.message).toMatch(/Move it aside \(mv .*mcpproxy.lmdb .*\.broken\)/);
  });

  it('explains a lock file that is a directory', async () => {
    const dataDir = await dirs.make();
    await mkdir(join(dataDir, 'mcpproxy.lmdb', 'lock.mdb'), { recursive: true });

    const error = await openError(dataDir);

    expect(error.message).toMatch(/lock.mdb is not a regular file/);
  });
});
