/**
 * @module A fleet of OAuth upstreams on the project's OAuth test server, logged in ahead of time
 * and stored in a data dir's LMDB exactly as `mcpproxy auth login` would leave them, so a real
 * `mcpproxy serve` starts against them. Each server gets its own URL (`/mcp?s=N`: the test
 * server routes by path, so one server instance serves all of them) and so its own server key.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyRecord, withTokens, type TokenRecord } from '../../machines/upstream/token-record.js';
import { serverKey } from '../../services/server-key.js';
import { loadEncryptionKey, openLmdbStore } from '../../services/token-store/index.js';
import { startOAuthTestServer, type OAuthTestServer } from '../../test/oauthserver/index.js';
import { loginWithSdk } from '../../test/oauthserver/sdk-client.js';

export interface OAuthFleet {
  server: OAuthTestServer;
  dataDir: string;
  names: string[];
  /** The `mcpServers` entries of the config. */
  entries: Array<{ name: string; url: string; protocol: 'http'; oauth: Record<string, never> }>;
  /**
   * Rewrites every stored record so its access token expired `agoMs` ago (issued one lifetime
   * before that), and expires the tokens on the test server too. Run while no serve is running.
   */
  expireStoredTokens(agoMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the test server and logs `count` servers in; records go to a fresh data dir. */
export async function createOAuthFleet(options: {
  count: number;
  accessTokenTtlS: number;
  /** Logins run this many at a time. */
  concurrency?: number;
}): Promise<OAuthFleet> {
  const server = await startOAuthTestServer({ accessTokenTtlS: options.accessTokenTtlS });
  const dataDir = await mkdtemp(join(tmpdir(), 'mcpproxy-bench-'));
  const { key } = await loadEncryptionKey({ dataDir, env: {} });
  const names = Array.from({ length: options.count }, (_, i) => `srv${String(i).padStart(3, '0')}`);
  const entries = names.map((name, i) => ({
    name,
    url: `${server.mcpUrl}?s=${i}`,
    protocol: 'http' as const,
    oauth: {},
  }));
  const records: TokenRecord[] = [];
  const queue = [...entries];
  await Promise.all(
    Array.from({ length: options.concurrency ?? 8 }, async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const login = await loginWithSdk(server.mcpUrl);
        const base = {
          ...emptyRecord(serverKey(entry.name, entry.url), entry.name, entry.url),
          registration: { ...login.client },
          issuer: server.issuer,
        };
        const tokens = { ...login.tokens, issuer: server.issuer };
        const record = withTokens(base, tokens, Date.now());
        records.push({ ...record, scopes: (login.tokens.scope ?? '').split(' ').filter(Boolean) });
      }
    }),
  );
  const store = await openLmdbStore({ dataDir, encryptionKey: key });
  try {
    for (const record of records) await store.put(record);
  } finally {
    await store.close();
  }

  return {
    server,
    dataDir,
    names,
    entries,
    async expireStoredTokens(agoMs = 60_000) {
      server.expireTokens('access');
      const lmdb = await openLmdbStore({ dataDir, encryptionKey: key });
      try {
        const lifetime = options.accessTokenTtlS * 1000;
        const expiresAt = Date.now() - agoMs;
        for (const entry of entries) {
          const read = await lmdb.read(serverKey(entry.name, entry.url));
          if (read.status !== 'found') throw new Error(`no stored record for ${entry.name}`);
          await lmdb.put({
            ...read.record,
            issued_at: expiresAt - lifetime,
            expires_at: expiresAt,
          });
        }
      } finally {
        await lmdb.close();
      }
    },
    stop: () => server.stop(),
  };
}
