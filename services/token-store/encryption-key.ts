/**
 * @module The record encryption key (SPEC §3b): `$MCPPROXY_ENCRYPTION_KEY` (64 hex characters),
 * else `<data-dir>/mcpproxy.key`, created once with an exclusive create so that processes
 * starting together agree on one key. The key never appears in a message.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, StoreError } from '../errors.js';
import { describeFsError, errnoName } from './fs-reason.js';
import { chmodOrExplain, ensurePrivateDir, PRIVATE_FILE_MODE } from './private-files.js';

/** Name of the environment variable holding the key. */
export const ENCRYPTION_KEY_ENV = 'MCPPROXY_ENCRYPTION_KEY';
/** File name of the generated key inside the data dir. */
export const KEY_FILE_NAME = 'mcpproxy.key';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** The loaded key and where it came from. */
export interface LoadedEncryptionKey {
  key: Buffer;
  source: 'env' | 'file';
}

/**
 * Loads the 32-byte record key. An empty `$MCPPROXY_ENCRYPTION_KEY` counts as unset; a set but
 * malformed one is a `ConfigError`. Without it the key file is read, or created (mode 0600) when
 * missing; the data dir is created (0700) if needed. A key file with a looser mode is fixed.
 */
export async function loadEncryptionKey(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<LoadedEncryptionKey> {
  const fromEnv = (options.env ?? process.env)[ENCRYPTION_KEY_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!HEX_KEY.test(fromEnv)) {
      throw new ConfigError(
        `$${ENCRYPTION_KEY_ENV} must be exactly 64 hexadecimal characters (32 bytes), but it ` +
          `${describeMismatch(fromEnv)}. Generate one with: openssl rand -hex 32`,
      );
    }
    return { key: Buffer.from(fromEnv, 'hex'), source: 'env' };
  }
  await ensurePrivateDir(options.dataDir);
  const path = join(options.dataDir, KEY_FILE_NAME);
  const text = (await readKeyFile(path)) ?? (await createKeyFile(path));
  if (!HEX_KEY.test(text.trim())) {
    throw new StoreError(
      `The encryption key file ${path} is malformed: it ${describeMismatch(text.trim())}, ` +
        'expected 64 hexadecimal characters. Restore the original file or set ' +
        `$${ENCRYPTION_KEY_ENV}; deleting it makes the stored tokens unreadable (you would have ` +
        'to log in again).',
    );
  }
  const info = await stat(path);
  if ((info.mode & 0o777) !== PRIVATE_FILE_MODE) await chmodOrExplain(path, PRIVATE_FILE_MODE);
  return { key: Buffer.from(text.trim(), 'hex'), source: 'file' };
}

/** Says how a candidate key differs from 64 hex characters, without echoing it. */
function describeMismatch(candidate: string): string {
  if (candidate.length !== 64) return `has ${candidate.length} characters`;
  return 'contains characters that are not hexadecimal';
}

/** Reads the key file; undefined when it does not exist. */
async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoName(error) === 'ENOENT') return undefined;
    throw new StoreError(
      `Cannot read the encryption key file ${path}: ${describeFsError(error)}. ` +
        `Check that it belongs to you (ls -l ${path}).`,
      { cause: error },
    );
  }
}

/**
 * Creates the key file exactly once across processes. The key is written completely to a
 * private temp file (exclusive create, 0600) and then published with `link`, which fails with
 * EEXIST if another process got there first: a reader never sees a half-written key, and the
 * loser reads the winner's key. File systems without hard links fall back to an exclusive create
 * of the key file itself.
 */
async function createKeyFile(path: string): Promise<string> {
  const text = `${randomBytes(32).toString('hex')}\n`;
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    await publish(temp, path, text);
    return text;
  } catch (error) {
    if (errnoName(error) === 'EEXIST') return readWinnerKey(path);
    throw new StoreError(
      `Cannot create the encryption key file ${path}: ${describeFsError(error)}. ` +
        `Check that the data dir belongs to you, or set $${ENCRYPTION_KEY_ENV}.`,
      { cause: error },
    );
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Publishes the complete temp file under `path`; throws EEXIST when a key already exists. */
async function publish(temp: string, path: string, text: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    if (!NO_HARD_LINKS.has(errnoName(error) ?? '')) throw error;
    await writeFile(path, text, { flag: 'wx', mode: PRIVATE_FILE_MODE });
  }
}

/**
 * Reads the key another process created. Only the no-hard-link fallback can expose a file that
 * is still being written, so a short key is re-read for up to a second before it counts as
 * malformed.
 */
async function readWinnerKey(path: string): Promise<string> {
  const deadline = Date.now() + 1000;
  for (;;) {
    const text = (await readKeyFile(path)) ?? '';
    if (text.trim().length >= 64 || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
