/**
 * Issue 3, against the OAuth test server and a real LMDB store: a login made by the standalone
 * CLI (no daemon) is what a later `serve` uses — no browser — and a restart after the access
 * token expired refreshes before connecting instead of asking for a login.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../helpers/proxy-process.js';
import { authorizeCount, refreshRequests, tokenRequests } from './support/as-log.js';
import { browserEnv, browserLogIn, browserVisits } from './support/browser-env.js';
import { callTool, connectMcp, toolNames } from './support/mcp-client.js';
import { serverView, waitForState } from './support/rest.js';
import { issuedSecretsIn } from './support/secrets.js';
import { e2eWorld, oauthConfig } from './support/world.js';

describe('a standalone login carries over to serve and across restarts', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('stores a CLI login without a daemon; serve then connects and echoes without a browser; a restart past expiry refreshes first', async () => {
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
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ name: 'oauth', oauth_status: 'authenticated', source: 'store' }),
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
  }, 60_000);
});
