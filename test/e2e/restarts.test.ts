/**
 * Restarts keep logins, against the OAuth test server and the real LMDB store (tests run side
 * by side):
 * - Issue 3: a login made by the standalone CLI (no daemon) is what a later `serve` uses — no
 *   browser — and a restart after the access token expired refreshes before connecting instead
 *   of asking for a login.
 * - Issue 4: SIGTERM while a refresh is in flight (the AS answers slowly), then a restart: serve
 *   exits 0 within the 5 s budget, the stored refresh token survives, and the restarted proxy
 *   reconnects with it — no login, no browser.
 *
 * Known gap (rotation on): shutdown aborts the in-flight refresh instead of letting it finish
 * and commit within the 5 s budget. An AS that completes the request of a client that left
 * (as real ones do, and the test server's `slow` mode does) has then rotated the refresh token,
 * and the restart presents the retired one: invalid_grant, login required. The fix belongs in
 * `cli/daemon.ts` `stop()` (drain refreshes before stopping the supervisor); until then that
 * case is an expected failure below.
 */
import { describe, expect, it } from 'vitest';
import type { OAuthTestServer } from '../oauthserver/index.js';
import { runCli, waitFor, writeConfig } from '../helpers/proxy-process.js';
import { authorizeCount, refreshRequests, tokenRequests } from './support/as-log.js';
import { browserEnv, browserLogIn, browserVisits } from './support/browser-env.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp, toolNames } from './support/mcp-client.js';
import { serverView, waitForState, waitForView } from './support/rest.js';
import { issuedSecretsIn } from './support/secrets.js';
import { storedSummary } from './support/store.js';
import { oauthConfig, testWorld, type E2eWorld } from './support/world.js';

/**
 * One replica id across the restart, so the restarted process owns the lease the stopped one
 * held (with a new id it waits up to 30 s for it; oauth-refresh-failures.test.ts proves that).
 */
const SAME_REPLICA = { MCPPROXY_REPLICA_ID: 'e2e-sigterm-replica' };

describe.concurrent('restarts keep logins', { timeout: 150_000 }, () => {
  /** Logs in, stops serve with SIGTERM mid-refresh, restarts it; answers the settled view. */
  async function stopMidRefreshAndRestart(world: E2eWorld, as: OAuthTestServer) {
    const dataDir = await world.dir();
    const config = oauthConfig([['oauth', as]]);
    const proxy = await world.proxy({ config, dataDir, env: SAME_REPLICA, logLevel: 'info' });
    await loginThroughDaemon(proxy.url, 'oauth');
    const committed = await storedSummary(dataDir, 'oauth', as.mcpUrl);

    // A 2 s answer: a shutdown that let the refresh finish would still be within 5 s.
    as.setFail({ mode: 'slow', grant: 'refresh_token', delay_ms: 2_000 });
    await waitFor(() => refreshRequests(as).find((e) => e.injected === 'slow'), {
      what: 'the slow refresh to reach the AS',
    });
    const started = Date.now();
    expect(await proxy.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    as.setFail({ mode: 'none' });
    // The store holds a committed pair: the old one, or the one the refresh got.
    const stored = await storedSummary(dataDir, 'oauth', as.mcpUrl);
    expect(stored.status).toBe('found');
    expect([
      committed.refresh_fp,
      refreshRequests(as).at(-1)!.issued_refresh_token_fp ?? committed.refresh_fp,
    ]).toContain(stored.refresh_fp);

    const again = await world.proxy({ config, dataDir, env: SAME_REPLICA, logLevel: 'info' });
    const settled = await waitForView(
      again.url,
      'oauth',
      (v) => v.state.startsWith('authenticated') || v.state === 'loginRequired',
      { timeoutMs: 30_000 },
    );
    return { again, settled };
  }

  it('exits 0 within 5 s, and the restart reconnects with the stored refresh token (no rotation)', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3 });
    const { again, settled } = await stopMidRefreshAndRestart(world, as);
    expect(settled.state).toMatch(/^authenticated/);
    const client = await connectMcp(again.url);
    expect((await callTool(client, 'oauth__echo', { message: 'back' })).text).toBe('back');
    await client.close();
    expect(authorizeCount(as)).toBe(1);
  });

  it('exits 0 within 5 s, and the restart reconnects without login (rotation on: shutdown lets the refresh commit)', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    const { settled } = await stopMidRefreshAndRestart(world, as);
    expect(settled.state).toMatch(/^authenticated/);
    expect(authorizeCount(as)).toBe(1);
  });

  it('stores a CLI login without a daemon; serve then connects and echoes without a browser; a restart past expiry refreshes first', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    const dataDir = await world.dir();
    const config = oauthConfig([['oauth', as]]);
    const configPath = await writeConfig(dataDir, config);
    const dirs = ['--data-dir', dataDir, '--config', configPath];
    const browserLog = browserLogIn(dataDir);

    // Login with no daemon: the CLI runs the flow itself and opens the (stand-in) browser.
    const login = await runCli(['auth', 'login', '--server', 'oauth', ...dirs], {
      env: browserEnv(browserLog),
      timeoutMs: 30_000,
    });
    expect(login.stderr).toContain('No daemon answers');
    expect(login.stdout).toContain('oauth is authenticated; the token is stored in');
    expect(login.code).toBe(0);
    const visits = await browserVisits(browserLog);
    expect(visits).toHaveLength(1);
    expect(visits[0]!.status).toBe(200);
    expect(authorizeCount(as)).toBe(1);
    expect(tokenRequests(as, 'authorization_code').map((e) => e.status)).toEqual([200]);

    // The token is in the data dir's store: status (no daemon) reads it, never printing it.
    const status = await runCli(['auth', 'status', '-o', 'json', ...dirs]);
    expect(status.code).toBe(0);
    // (A 3 s token may have expired by now on a loaded machine: stored either way.)
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({
        name: 'oauth',
        oauth_status: expect.stringMatching(/^(authenticated|expired)$/),
        token_expires_at: expect.any(String),
        source: 'store',
      }),
    ]);
    expect(issuedSecretsIn(status.stdout + status.stderr)).toEqual([]);

    // serve uses the stored token: connected, tools listed, echo answered; no new login.
    const proxy = await world.proxy({ config, dataDir });
    await waitForState(proxy.url, 'oauth', 'authenticated');
    const client = await connectMcp(proxy.url);
    expect(await toolNames(client)).toContain('oauth__echo');
    expect(await callTool(client, 'oauth__echo', { message: 'hello through mcpproxy' })).toEqual({
      isError: false,
      text: 'hello through mcpproxy',
    });
    await client.close();
    expect(authorizeCount(as)).toBe(1);
    expect(await browserVisits(browserLog)).toHaveLength(1);

    // Restart: stop, let the stored access token expire, start again.
    const before = await serverView(proxy.url, 'oauth');
    expect(await proxy.stop('SIGTERM')).toBe(0);
    const expiresAt = Date.parse(before.token_expires_at!);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 200));
    const stoppedAt = new Date().toISOString();

    const again = await world.proxy({ config, dataDir });
    await waitForState(again.url, 'oauth', 'authenticated');
    const afterRestart = as.log().filter((e) => e.at > stoppedAt);
    const firstRefresh = afterRestart.findIndex((e) => e.grant_type === 'refresh_token');
    const firstMcp = afterRestart.findIndex((e) => e.path === '/mcp');
    // The refresh grant came first, and the first MCP request carried the refreshed token.
    expect(firstRefresh).toBeGreaterThanOrEqual(0);
    expect(afterRestart[firstRefresh]!.status).toBe(200);
    expect(firstMcp).toBeGreaterThan(firstRefresh);
    expect(afterRestart[firstMcp]!.access_token_fp).toBe(
      afterRestart[firstRefresh]!.issued_access_token_fp,
    );
    expect(afterRestart.filter((e) => e.path === '/mcp' && e.status === 401)).toEqual([]);
    expect(authorizeCount(as)).toBe(1);
    expect(refreshRequests(as).every((e) => !e.reused_refresh_token)).toBe(true);

    const client2 = await connectMcp(again.url);
    expect((await callTool(client2, 'oauth__echo', { message: 'after restart' })).text).toBe(
      'after restart',
    );
    await client2.close();
    expect(await browserVisits(browserLog)).toHaveLength(1);
  });
});
