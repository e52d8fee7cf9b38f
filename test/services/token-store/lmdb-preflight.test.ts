/** @module Sentences for store open failures that cannot be produced for real when run as root. */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../services/errors.js';
import { openError } from '../../../services/token-store/lmdb-preflight.js';

const path = '/home/me/.mcpproxy/mcpproxy.lmdb';

describe('openError', () => {
  it.each([
    [
      'a Node EACCES',
      Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' }),
    ],
    ['an LMDB errno 13', Object.assign(new Error('Permission denied'), { code: 13 })],
  ])('says permission denied and how to check for %s', (_, cause) => {
    const error = openError(path, cause);

    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe(
      `Cannot open the token store at ${path}: permission denied. Check that the data dir ` +
        'belongs to you (ls -ld /home/me/.mcpproxy) or pass --data-dir.',
    );
  });

  it('says the store is damaged for LMDB format errors', () => {
    const error = openError(path, new Error('MDB_INVALID: File is not an LMDB file'));

    expect(error.message).toMatch(/is damaged or was written by an incompatible LMDB version/);
    expect(error.message).toContain(`mv ${path} ${path}.broken`);
  });

  it('keeps only the first line of an unknown error', () => {
    const cause = new Error('Something odd\n    at open (/x/y.js:1:2)');

    expect(openError(path, cause).message).toMatch(
      /^Cannot open the token store at .*: Something odd\. /,
    );
    expect(openError(path, cause).message).not.toContain('y.js');
  });
});
