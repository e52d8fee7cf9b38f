/**
 * @module The auth commands without a daemon: the OAuth flow runs in this process against the
 * LMDB store of the data dir. A daemon running on the same data dir picks the result up through
 * the store's watch; otherwise the next `serve` uses it.
 */
import { randomUUID } from 'node:crypto';
import { deadGrantOf, emptyRecord, type TokenRecord } from '../machines/upstream/token-record.js';
import { storedRejectedClient } from '../machines/upstream/upstream.logic.js';
import { serverTarget, type ServerEntry } from '../services/config/index.js';
import { LoginRequiredError, ProxyError } from '../services/errors.js';
import { createLogger } from '../services/logger/index.js';
import { runLoginFlow } from '../services/oauth/index.js';
import { serverKey } from '../services/server-key.js';
import { loadEncryptionKey, openLmdbStore } from '../services/token-store/index.js';
import type { TokenStore } from '../services/token-store/token-store.js';
import { unknownServer, type ClientContext } from './client.js';

async function withStore<T>(ctx: ClientContext, fn: (store: TokenStore) => Promise<T>): Promise<T> {
  const { key } = await loadEncryptionKey({ dataDir: ctx.dataDir });
  const store = await openLmdbStore({ dataDir: ctx.dataDir, encryptionKey: key });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function entryOf(ctx: ClientContext, name: string, action = 'log in to'): ServerEntry {
  const entry = ctx.config.servers.find((s) => s.name === name);
  if (!entry)
    throw unknownServer(
      name,
      ctx.configPath,
      ctx.config.servers.map((s) => s.name),
    );
  // The daemon's wording (REST): a stdio server has no OAuth.
  if (!entry.url)
    throw new ProxyError('not_oauth', `${name} does not use OAuth: there is nothing to ${action}.`);
  return entry;
}

async function readOrNull(store: TokenStore, key: string): Promise<TokenRecord | null> {
  const result = await store.read(key);
  return result.status === 'found' ? result.record : null;
}

/** Runs the login flow here; returns 'already' when a valid token exists and not forced. */
export async function standaloneLogin(
  ctx: ClientContext,
  name: string,
  options: {
    force: boolean;
    timeoutMs: number;
    /** The error message when `timeoutMs` passes. */
    timedOut: string;
    onAuthUrl: (url: string) => void | Promise<void>;
  },
): Promise<TokenRecord | 'already'> {
  const entry = entryOf(ctx, name);
  const key = serverKey(entry.name, serverTarget(entry));
  const logger = createLogger({
    level: 'warn',
    pretty: false,
    destination: process.stderr as never,
  });
  return withStore(ctx, async (store) => {
    const existing = await readOrNull(store, key);
    // A token the authorization server refused to refresh is no login to keep.
    if (
      !options.force &&
      existing?.tokens?.access_token &&
      (existing.expires_at === null || existing.expires_at > Date.now()) &&
      deadGrantOf(existing) === null
    ) {
      return 'already';
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    let record: TokenRecord;
    try {
      record = await runLoginFlow({
        entry,
        serverKey: key,
        record: existing ?? emptyRecord(key, entry.name, entry.url),
        logger,
        correlationId: randomUUID(),
        // A registration the token endpoint rejected (invalid_client) is registered anew.
        rejectedClientId: storedRejectedClient(entry, existing),
        signal,
        onAuthUrl: (url) => void options.onAuthUrl(url),
        onRegistered: (registered) => void store.put(registered).catch(() => undefined),
      });
    } catch (error) {
      if (signal.aborted) throw new LoginRequiredError(options.timedOut);
      throw error;
    }
    return store.put(record);
  });
}

/**
 * Removes the stored tokens of server `name`, or of every server when `name` is null; says for
 * each whether tokens were removed. With `null`, servers with nothing stored are listed only
 * when they are known to use OAuth (an `oauth` block, or a record from an earlier login).
 */
export async function standaloneLogout(
  ctx: ClientContext,
  name: string | null,
): Promise<Array<{ name: string; removed: boolean }>> {
  const entries =
    name === null ? ctx.config.servers.filter((e) => e.url) : [entryOf(ctx, name, 'log out of')];
  return withStore(ctx, async (store) => {
    const results: Array<{ name: string; removed: boolean }> = [];
    for (const entry of entries) {
      const record = await readOrNull(store, serverKey(entry.name, serverTarget(entry)));
      if (!record?.tokens) {
        if (name !== null || entry.oauth || record)
          results.push({ name: entry.name, removed: false });
        continue;
      }
      await store.put({
        ...record,
        tokens: null,
        issued_at: null,
        expires_at: null,
        refresh_expires_at: null,
      });
      results.push({ name: entry.name, removed: true });
    }
    return results;
  });
}

export interface StatusRow {
  name: string;
  oauth_status: string;
  token_expires_at: string | null;
  refresh_at: string | null;
  last_error: string | null;
  source: 'daemon' | 'store';
}

/** Token status of every configured server, read from the store (no secrets). */
export async function standaloneStatus(ctx: ClientContext): Promise<StatusRow[]> {
  return withStore(ctx, async (store) => {
    const rows: StatusRow[] = [];
    for (const entry of ctx.config.servers) {
      const result = await store.read(serverKey(entry.name, serverTarget(entry)));
      const record = result.status === 'found' ? result.record : null;
      const expires = record?.tokens ? record.expires_at : null;
      const status =
        result.status === 'corrupt'
          ? 'error'
          : !record?.tokens || deadGrantOf(record)
            ? entry.oauth || record
              ? 'login_required'
              : 'none'
            : expires !== null && expires <= Date.now()
              ? 'expired'
              : 'authenticated';
      rows.push({
        name: entry.name,
        oauth_status: status,
        token_expires_at:
          expires !== null && expires !== undefined ? new Date(expires).toISOString() : null,
        refresh_at: null,
        last_error:
          result.status === 'corrupt' ? result.error : (record?.last_refresh?.error ?? null),
        source: 'store',
      });
    }
    return rows;
  });
}
