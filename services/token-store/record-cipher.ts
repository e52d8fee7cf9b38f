/**
 * @module Record encryption at rest (SPEC §3b): AES-256-GCM per value in a small versioned
 * envelope, bound to the server key it is stored under. Shared by every `TokenStore`.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';

export { loadEncryptionKey } from './encryption-key.js';
export type { LoadedEncryptionKey } from './encryption-key.js';

/*
 * Envelope v1: "mpx" | 0x01 | key id (8) | IV (12) | GCM tag (16) | ciphertext.
 * The key id is an HMAC of a constant under the key (not the key, not reversible): it tells
 * "written with another key" apart from "damaged bytes". The additional authenticated data is
 * the header plus the server key, so a record moved under another server's key fails to open.
 */
const MAGIC = Buffer.from('mpx', 'latin1');
const VERSION = 1;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES;
const MIN_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;

/** Why an envelope could not be opened. */
export type OpenProblem = 'not_envelope' | 'unsupported_version' | 'key_mismatch' | 'damaged';

/** Result of opening an envelope: the plaintext, or why not. Never throws for bad bytes. */
export type OpenResult = { ok: true; plaintext: Buffer } | { ok: false; problem: OpenProblem };

/** Seals and opens record values with one key. */
export interface RecordCipher {
  /** Hex fingerprint of the key (safe to log or store; the key cannot be derived from it). */
  readonly keyId: string;
  /** Encrypts `plaintext` for the record of `serverKey`. */
  seal(plaintext: string, serverKey: string): Buffer;
  /** Decrypts an envelope written for `serverKey`. */
  open(envelope: Uint8Array, serverKey: string): OpenResult;
}

/** Creates the cipher for a 32-byte key (`StoreError` for any other length). */
export function createRecordCipher(key: Buffer): RecordCipher {
  if (key.length !== 32) {
    throw new StoreError(
      `The record encryption key must be 32 bytes, got ${key.length}. ` +
        'Set $MCPPROXY_ENCRYPTION_KEY to 64 hexadecimal characters.',
    );
  }
  const keyId = createHmac('sha256', key).update('mcpproxy record key id v1').digest();
  const keyIdBytes = keyId.subarray(0, KEY_ID_BYTES);
  const header = Buffer.concat([MAGIC, Buffer.of(VERSION), keyIdBytes]);

  return {
    keyId: keyIdBytes.toString('hex'),
    seal(plaintext, serverKey) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(header, serverKey));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
    },
    open(envelope, serverKey) {
      const bytes = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
      if (bytes.length < MIN_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
        return { ok: false, problem: 'not_envelope' };
      }
      if (bytes[MAGIC.length] !== VERSION) return { ok: false, problem: 'unsupported_version' };
      const storedHeader = bytes.subarray(0, HEADER_BYTES);
      if (!storedHeader.subarray(MAGIC.length + 1).equals(keyIdBytes)) {
        return { ok: false, problem: 'key_mismatch' };
      }
      const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const tag = bytes.subarray(HEADER_BYTES + IV_BYTES, MIN_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad(storedHeader, serverKey));
        decipher.setAuthTag(tag);
        const plaintext = Buffer.concat([
          decipher.update(bytes.subarray(MIN_BYTES)),
          decipher.final(),
        ]);
        return { ok: true, plaintext };
      } catch {
        return { ok: false, problem: 'damaged' };
      }
    },
  };
}

function aad(header: Buffer, serverKey: string): Buffer {
  return Buffer.concat([header, Buffer.from(`record:${serverKey}`, 'utf8')]);
}
