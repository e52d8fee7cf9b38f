/**
 * @module The auth commands without a daemon: the OAuth flow runs in this process against the
 * LMDB store of the data dir. A daemon running on the same data dir picks the result up through
 * the store's watch; otherwise the next `serve` uses it.
 */
import { randomUUID } from 'node:crypto';
import { deadGrantOf, emptyRecord, type TokenRecord } from '../machines/upstream/token-record.js';
import { storedRejectedClient } from '../machines/upstream/upstream.logic.js';
import { serverTarget, type ServerEntry } from '../services/config/index.js';
import { LoginRequiredError, NotFoundError, ProxyError } from '../services/errors.js';
import { createLogger } from '../services/logger/index.js';
import { runLoginFlow } from '../services/oauth/index.js';
import { serverKey } from '../services/server-key.js';
import { loadEncryptionKey, openLmdbStore } from '../services/token-store/index.js';
import type { TokenStore } from '../services/token-store/token-store.js';
import type { ClientContext } from './client.js';

async function withStore<T>(ctx: ClientContext, fn: (store: TokenStore) => Promise<T>): Promise<T> {
  const { key } = await loadEncryptionKey({ dataDir: ctx.dataDir });
  const store = await openLmdbStore({ dataDir: ctx.dataDir, encryptionKey: key });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function entryOf(ctx: ClientContext, name: string): ServerEntry {
  const entry = ctx.config.servers.find((s) => s.name === name);
  if (!entry) {
    throw new NotFoundError(
      `No server named "${name}" in ${ctx.configPath}. Known: ${ctx.config.servers.map((s) => s.name).join(', ') || 'none'}.`,
    );
  }
  if (!entry.url)
    throw new ProxyError('not_oauth', `"${name}" is a stdio server: it has no OAuth login.`);
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
  options: { force: boolean; timeoutMs: number; onAuthUrl: (url: string) => void | Promise<void> },
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
      if (signal.aborted)
        throw new LoginRequiredError(
          `Login of ${name} timed out after ${Math.round(options.timeoutMs / 1000)}s.`,
        );
      throw error;
    }
    return store.put(record);
  });
}

/** Removes stored tokens; returns the names whose tokens were removed. */
export async function standaloneLogout(
  ctx: ClientContext,
  names: string[],
  all: boolean,
): Promise<string[]> {
  return withStore(ctx, async (store) => {
    const done: string[] = [];
    for (const name of names) {
      const entry = ctx.config.servers.find((s) => s.name === name);
      if (!entry) {
        if (!all) entryOf(ctx, name);
        continue;
      }
      const key = serverKey(entry.name, serverTarget(entry));
      const record = await readOrNull(store, key);
      if (!record?.tokens) continue;
      await store.put({
        ...record,
        tokens: null,
        issued_at: null,
        expires_at: null,
        refresh_expires_at: null,
      });
      done.push(name);
    }
    return done;
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
