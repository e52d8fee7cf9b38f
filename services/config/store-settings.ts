/**
 * @module `store`: LMDB in the data dir (default) or a shared PostgreSQL. `$MCPPROXY_STORE_URL`
 * overrides `store.url` and means postgres unless `store.kind` says otherwise.
 */
import type { StoreSettings } from './config.types.js';
import { own, readString, warnUnknownKeys } from './fields.js';
import type { Fields } from './fields.js';
import { got, isObject } from './problems.js';

const EXAMPLE = '"postgres://user:password@host:5432/mcpproxy"';

/** Reads `store`, applying `$MCPPROXY_STORE_URL`. */
export function readStore(f: Fields, env: Record<string, string | undefined>): StoreSettings {
  const value = own(f.obj, 'store');
  let obj: Record<string, unknown> = {};
  if (isObject(value)) obj = value;
  else if (value !== undefined && value !== null) {
    f.p.error(
      '',
      `"store" must be an object like {"kind": "postgres", "url": ${EXAMPLE}} ${got(value)}`,
    );
  }
  const sf: Fields = { ...f, obj, prefix: 'store.' };
  warnUnknownKeys(sf, ['kind', 'url']);
  const kindValue = own(obj, 'kind');
  let kind: StoreSettings['kind'] | null = null;
  if (kindValue === 'lmdb' || kindValue === 'postgres') kind = kindValue;
  else if (kindValue !== undefined && kindValue !== null) {
    f.p.error('', `"store.kind" must be "lmdb" or "postgres" ${got(kindValue)}`);
  }
  const fromFile = readString(sf, 'url', { nonEmpty: true });
  const fromEnv = env.MCPPROXY_STORE_URL?.trim() || null;
  const url = fromEnv ?? fromFile;
  const resolved = kind ?? (url !== null ? 'postgres' : 'lmdb');
  if (resolved === 'lmdb') {
    if (fromFile !== null) {
      f.p.error(
        '',
        '"store.url" is only used with "store.kind": "postgres": remove it or set the kind',
      );
    } else if (fromEnv !== null) {
      f.p.warn('', '$MCPPROXY_STORE_URL is ignored because "store.kind" is "lmdb"');
    }
    return { kind: 'lmdb', url: null };
  }
  if (url === null) {
    if (own(obj, 'url') == null) {
      f.p.error(
        '',
        `"store.url" is required for "store.kind": "postgres" (or set $MCPPROXY_STORE_URL), e.g. ${EXAMPLE}`,
      );
    }
    return { kind: 'postgres', url: null };
  }
  const problem = urlProblem(url);
  if (problem !== null) {
    if (fromEnv !== null) f.p.errorFrom('$MCPPROXY_STORE_URL', problem);
    else f.p.error('', `"store.url" ${problem}`);
  }
  return { kind: 'postgres', url };
}

/** What is wrong with a store URL (completing `"store.url" …`), or null. */
function urlProblem(url: string): string | null {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Not echoed: where the URL does not parse, redaction cannot find its password either.
    return (
      'cannot be parsed as a URL: check the host and port, and percent-encode special ' +
      'characters in the user name and password (e.g. "@" as %40); the value is not shown, ' +
      'as it may hold a password'
    );
  }
  if (protocol === 'postgres:' || protocol === 'postgresql:') return null;
  return `must be a postgres:// or postgresql:// URL, e.g. ${EXAMPLE} ${got(url)}`;
}
