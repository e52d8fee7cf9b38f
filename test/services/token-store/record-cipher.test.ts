/** @module The record envelope: AES-256-GCM, bound to its key and its server key. */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../services/errors.js';
import { createRecordCipher } from '../../../services/token-store/record-cipher.js';
import { GITHUB, KEY, LINEAR, OTHER_KEY } from './support.js';

const cipher = createRecordCipher(KEY);

describe('record cipher', () => {
  it('opens what it sealed, with a fresh IV every time', () => {
    const first = cipher.seal('{"a":1}', GITHUB);
    const second = cipher.seal('{"a":1}', GITHUB);

    expect(first.equals(second)).toBe(false);
    const opened = cipher.open(first, GITHUB);
    expect(opened.ok && opened.plaintext.toString('utf8')).toBe('{"a":1}');
    expect(first.includes('{"a":1}')).toBe(false);
  });

  it('tells a value sealed with another key apart from damage', () => {
    const sealed = createRecordCipher(OTHER_KEY).seal('{}', GITHUB);
    const flipped = cipher.seal('{}', GITHUB);
    flipped[flipped.length - 1] ^= 1;

    expect(cipher.open(sealed, GITHUB)).toEqual({ ok: false, problem: 'key_mismatch' });
    expect(cipher.open(flipped, GITHUB)).toEqual({ ok: false, problem: 'damaged' });
  });

  it('refuses a value moved under another server key', () => {
    expect(cipher.open(cipher.seal('{}', GITHUB), LINEAR)).toEqual({
      ok: false,
      problem: 'damaged',
    });
  });

  it('classifies foreign and future envelopes', () => {
    const future = cipher.seal('{}', GITHUB);
    future[3] = 2;

    expect(cipher.open(Buffer.from('{"plain":"json"}'), GITHUB)).toEqual({
      ok: false,
      problem: 'not_envelope',
    });
    expect(cipher.open(future, GITHUB)).toEqual({ ok: false, problem: 'unsupported_version' });
  });

  it('has a key id that differs per key and does not contain the key', () => {
    expect(cipher.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(createRecordCipher(OTHER_KEY).keyId).not.toBe(cipher.keyId);
    expect(KEY.toString('hex')).not.toContain(cipher.keyId);
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => createRecordCipher(Buffer.alloc(16))).toThrow(StoreError);
  });
});
