/** @module What identifies an upstream for its store key: its URL, or its command line. */
import type { ServerEntry } from './config.types.js';

const PLAIN_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * The `target` of `serverKey(name, target)`: the URL of a remote server, or the command line of
 * a stdio server (arguments quoted like a shell would when they need it, so `["a b"]` and
 * `["a", "b"]` differ). Changing it changes the key: a new URL never reuses an old token.
 */
export function serverTarget(entry: Pick<ServerEntry, 'url' | 'command' | 'args'>): string {
  if (entry.url !== null) return entry.url;
  return [entry.command ?? '', ...entry.args].map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  return PLAIN_ARG.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
