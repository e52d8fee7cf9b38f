/**
 * @module Stored value ↔ `TokenRecord`: JSON sealed by the record cipher. Opening never throws:
 * a bad value becomes a `corrupt` read with a sentence naming the server, the problem and the fix.
 */
import type { TokenRecord } from '../../machines/upstream/token-record.js';
import type { OpenProblem, RecordCipher } from './record-cipher.js';
import { recordShapeProblem } from './record-shape.js';
import type { ReadResult } from './token-store.js';

/** Encrypts a record for storage under its own server key. */
export function sealRecord(cipher: RecordCipher, record: TokenRecord): Buffer {
  return cipher.seal(JSON.stringify(record), record.server_key);
}

/** Decrypts and checks a stored value of `serverKey`. */
export function openRecord(cipher: RecordCipher, serverKey: string, bytes: Uint8Array): ReadResult {
  const opened = cipher.open(bytes, serverKey);
  if (!opened.ok) return { status: 'corrupt', error: corruptMessage(serverKey, opened.problem) };
  let value: unknown;
  try {
    value = JSON.parse(opened.plaintext.toString('utf8'));
  } catch {
    return { status: 'corrupt', error: invalidMessage(serverKey, 'it is not valid JSON') };
  }
  const problem = recordShapeProblem(value, serverKey);
  if (problem !== null) return { status: 'corrupt', error: invalidMessage(serverKey, problem) };
  return { status: 'found', record: value as TokenRecord };
}

/**
 * The server name inside a server key (`<name>_<16 hex>`, see services/server-key.ts); the key
 * itself when it does not have that shape.
 */
export function serverNameOf(serverKey: string): string {
  const match = /^(.+)_[0-9a-f]{16}$/.exec(serverKey);
  return match === null ? serverKey : match[1];
}

function subject(serverKey: string): string {
  return `The stored token record of server "${serverNameOf(serverKey)}" (key ${serverKey})`;
}

function loginHint(serverKey: string): string {
  return `run \`mcpproxy auth login --server ${serverNameOf(serverKey)}\``;
}

function corruptMessage(serverKey: string, problem: OpenProblem): string {
  switch (problem) {
    case 'key_mismatch':
      return (
        `${subject(serverKey)} was encrypted with a different encryption key than the current ` +
        'one ($MCPPROXY_ENCRYPTION_KEY changed or mcpproxy.key was replaced). Restore the ' +
        `original key, or ${loginHint(serverKey)} to log in again.`
      );
    case 'damaged':
      return (
        `${subject(serverKey)} failed its integrity check: its bytes were damaged or altered. ` +
        `To replace it, ${loginHint(serverKey)}.`
      );
    case 'unsupported_version':
      return (
        `${subject(serverKey)} uses a record format this mcpproxy does not know (written by a ` +
        `newer version?). Upgrade mcpproxy, or ${loginHint(serverKey)} to replace it.`
      );
    case 'not_envelope':
      return (
        `${subject(serverKey)} is damaged: it is not an mcpproxy encrypted record. ` +
        `To replace it, ${loginHint(serverKey)}.`
      );
  }
}

function invalidMessage(serverKey: string, problem: string): string {
  return (
    `${subject(serverKey)} decrypted but is not a valid token record (${problem}). ` +
    `To replace it, ${loginHint(serverKey)}.`
  );
}
