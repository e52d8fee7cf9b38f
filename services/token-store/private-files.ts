/**
 * @module Owner-only files on disk: the data dir (0700), the LMDB dir (0700) and the files in it
 * (0600). Failures become `StoreError` sentences that say what is wrong and what to do.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { describeFsError, errnoName } from './fs-reason.js';

/** Mode of a directory only its owner may enter. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of a file only its owner may read and write. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes sure `dir` exists and is a directory. A directory this call creates gets mode 0700 (the
 * umask cannot widen it; the explicit chmod undoes a umask that narrows the owner bits). An
 * existing directory keeps its mode unless `tighten` is set: a user-chosen `--data-dir` may be
 * shared on purpose, while the LMDB dir inside it is ours.
 */
export async function ensurePrivateDir(
  dir: string,
  options: { tighten?: boolean } = {},
): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    // EEXIST from a recursive mkdir means a non-directory sits at `dir`: said below, plainly.
    if (errnoName(error) !== 'EEXIST') {
      throw new StoreError(
        `Cannot create the directory ${dir}: ${describeFsError(error)}. ` +
          'Check the path and its permissions, or pass --data-dir.',
        { cause: error },
      );
    }
  }
  const info = await stat(dir).catch((error: unknown) => {
    throw new StoreError(`Cannot inspect the directory ${dir}: ${describeFsError(error)}.`, {
      cause: error,
    });
  });
  if (!info.isDirectory()) {
    throw new StoreError(
      `${dir} is not a directory. Move that file away or pass another --data-dir.`,
    );
  }
  if (created !== undefined || (options.tighten === true && (info.mode & 0o077) !== 0)) {
    await chmodOrExplain(dir, PRIVATE_DIR_MODE);
  }
}

/** Sets mode 0600 on every regular file directly inside `dir` whose mode is looser. */
export async function tightenFilesIn(dir: string): Promise<void> {
  const names = await readdir(dir);
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path);
    if (info.isFile() && (info.mode & 0o777) !== PRIVATE_FILE_MODE) {
      await chmodOrExplain(path, PRIVATE_FILE_MODE);
    }
  }
}

/** chmod that reports failure as a `StoreError` sentence. */
export async function chmodOrExplain(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch (error) {
    throw new StoreError(
      `Cannot set mode ${mode.toString(8)} on ${path}: ${describeFsError(error)}. ` +
        `Check that it belongs to you (ls -l ${path}).`,
      { cause: error },
    );
  }
}
