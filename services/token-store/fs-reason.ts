/**
 * @module Turns file-system and LMDB errors into a short reason for a sentence ("permission
 * denied"), never a stack trace. LMDB reports numeric errno codes, Node string ones.
 */
import { constants } from 'node:os';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory where a file was expected',
  EEXIST: 'a file is in the way',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EAGAIN: 'the store is locked by another process',
  EBUSY: 'the store is busy',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
  EIO: 'an input/output error occurred',
};

const NAME_BY_ERRNO = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** The symbolic errno name (`EACCES`) of an error, whether Node or LMDB raised it. */
export function errnoName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return NAME_BY_ERRNO.get(Math.abs(code));
  return undefined;
}

/** A short lower-case reason for `error`, fit to follow a colon in a sentence. */
export function describeFsError(error: unknown): string {
  const name = errnoName(error);
  if (name !== undefined && REASONS[name] !== undefined) return REASONS[name];
  const message = error instanceof Error ? error.message : String(error);
  // First line only, without Node's "ECODE: " prefix or a path echo: a reason, not a trace.
  const firstLine = message.split('\n')[0].replace(/^[A-Z]+: /, '');
  return firstLine.length > 0 ? firstLine : 'unknown error';
}
