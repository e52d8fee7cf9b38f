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
  if (!isPostgresUrl(url)) {
    const message = `must be a postgres:// or postgresql:// URL, e.g. ${EXAMPLE} ${got(url)}`;
    if (fromEnv !== null) f.p.errorFrom('$MCPPROXY_STORE_URL', message);
    else f.p.error('', `"store.url" ${message}`);
  }
  return { kind: 'postgres', url };
}

function isPostgresUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'postgres:' || protocol === 'postgresql:';
  } catch {
    return false;
  }
}
