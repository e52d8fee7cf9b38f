/** @module Server keys: `<name>_<first 16 hex of sha256(name|url)>`, so a changed URL never reuses a token. */
import { createHash } from 'node:crypto';

/**
 * The store key of a server. `target` is the URL for remote servers and the command line for
 * stdio ones.
 */
export function serverKey(name: string, target: string): string {
  const digest = createHash('sha256').update(`${name}|${target}`).digest('hex');
  return `${name}_${digest.slice(0, 16)}`;
}
