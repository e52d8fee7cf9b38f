/**
 * @module SPEC §3a across processes: a standalone `mcpproxy auth login` on the data dir of a
 * running `serve`. The daemon picks the new token up within seconds without a restart, keeps
 * refreshing it (rotation, reuse detection on), and neither process damages the other's store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { serverKey } from '../../services/server-key.js';
import { loadEncryptionKey, openLmdbStore } from '../../services/token-store/index.js';
import { isAuthenticated, serverView, waitForView, STARTUP_MS } from './support/daemon-api.js';
import { linesFor, refreshRequests } from './support/refresh-audit.js';
import { standaloneLogin } from './support/standalone-login.js';

let as: OAuthTestServer;
let dir: string;
let proxy: ProxyProcess;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-multi-');
  as = await startOAuthTestServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
  proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    dataDir: dir,
    logLevel: 'info',
    config: {
      refresh: { min_interval_s: 1 },
      mcpServers: { shared: { url: as.mcpUrl, protocol: 'http' } },
    },
  });
  await waitForView(proxy.url, 'shared', (v) => v.state === 'loginRequired');
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
  if (dir) await removeTmpDir(dir);
});

async function storeStatus(): Promise<string> {
  const { key } = await loadEncryptionKey({ dataDir: dir, env: {} });
  const store = await openLmdbStore({ dataDir: dir, encryptionKey: key });
  try {
    return (await store.read(serverKey('shared', as.mcpUrl))).status;
  } finally {
    await store.close();
  }
}

describe('a standalone auth login while serve runs on the same data dir', () => {
  it('the parked daemon picks up the login within seconds (SPEC: 3 s), no restart, then refreshes it', async () => {
    const result = await standaloneLogin({
      name: 'shared',
      dataDir: dir,
      configPath: proxy.configPath,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/running the login here/);
    const view = await waitForView(proxy.url, 'shared', isAuthenticated, { timeoutMs: 10_000 });
    expect(Date.now() - result.exitedAt).toBeLessThan(4_000);
    expect(view.health.level).toBe('healthy');
    // The daemon now owns the refreshes of that token.
    const before = refreshRequests(as.log()).length;
    await sleep(5_000);
    expect(refreshRequests(as.log()).length).toBeGreaterThan(before);
    expect(proxy.child.exitCode).toBeNull();
  }, 90_000);

  it('a forced standalone login while the daemon refreshes every 2.4 s: adopted, no reused refresh token, store intact', async () => {
    const grantsBefore = as.grants().length;
    const result = await standaloneLogin({
      name: 'shared',
      dataDir: dir,
      configPath: proxy.configPath,
      force: true,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(as.grants().length).toBe(grantsBefore + 1);
    const newest = as.grants().at(-1)!;
    const cliExchange = as
      .log()
      .filter((e) => e.grant_type === 'authorization_code')
      .at(-1)!;
    // Within a few refresh periods the daemon works on the new grant only.
    await sleep(6_000);
    // The daemon redeemed the refresh token the CLI stored (it adopted the CLI's grant).
    const redeemed = refreshRequests(as.log()).map((e) => e.refresh_token_fp);
    expect(redeemed).toContain(cliExchange.issued_refresh_token_fp);
    const after = await serverView(proxy.url, 'shared');
    expect(isAuthenticated(after), JSON.stringify(after)).toBe(true);
    const latest = refreshRequests(as.log()).at(-1)!;
    expect(latest.status).toBe(200);
    expect(as.grants().find((g) => g.id === newest.id)?.revoked).toBe(false);
    expect(as.log().every((e) => !e.reused_refresh_token)).toBe(true);
    expect(linesFor(proxy.logLines(), 'shared', 'OAuth login required').length).toBe(1); // the initial one
    expect(proxy.child.exitCode).toBeNull();
  }, 90_000);

  it('the store stays readable by both processes afterwards', async () => {
    expect(await storeStatus()).toBe('found');
    expect(isAuthenticated(await serverView(proxy.url, 'shared'))).toBe(true);
  });
});
