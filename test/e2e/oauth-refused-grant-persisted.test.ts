/**
 * Refresh outcomes are persisted (SPEC §1), end to end: the token endpoint refuses a refresh
 * (`invalid_client`: the AS forgot mcpproxy's registration), `serve` parks the server and notes
 * the refusal in the store. After `serve` stops, a standalone `auth status` says why; a new
 * `serve` starts the server parked with the same reason without sending the dead refresh token
 * again; and a standalone `auth login` registers a new client on the same redirect URI.
 */
import { describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../helpers/proxy-process.js';
import { postJson } from '../oauthserver/requests.js';
import { refreshRequests } from './support/as-log.js';
import { browserEnv, browserLogIn, browserVisits } from './support/browser-env.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp } from './support/mcp-client.js';
import { waitForState } from './support/rest.js';
import { readStored } from './support/store.js';
import { oauthConfig, testWorld } from './support/world.js';

const REASON =
  "The authorization server no longer knows mcpproxy's client registration (invalid_client) " +
  '- log in again to register anew: mcpproxy auth login --server gone';

describe('a refused refresh is remembered across restarts', { timeout: 150_000 }, () => {
  it('serve notes it, a standalone auth status reports it, a restarted serve stays parked, a standalone login registers anew', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3600, rotateRefreshTokens: true });
    const dataDir = await world.dir();
    const config = oauthConfig([['gone', as]]);
    const at = ['--data-dir', dataDir, '--config', await writeConfig(dataDir, config)];
    const stored = async () => {
      const result = await readStored(dataDir, 'gone', as.mcpUrl);
      if (result.status !== 'found') throw new Error(`no record: ${result.status}`);
      return result.record;
    };

    const first = await world.proxy({ config, dataDir, logLevel: 'info' });
    await loginThroughDaemon(first.url, 'gone');
    const loggedIn = await stored();
    await postJson(`${as.url}/__admin/clients/forget`, {});
    await postJson(`${as.url}/__admin/expire`, { tokens: 'access' });
    const client = await connectMcp(first.url);
    expect((await callTool(client, 'gone__echo', { message: 'hi' })).isError).toBe(true);
    await client.close();
    await waitForState(first.url, 'gone', 'loginRequired', 60_000);
    expect(await first.stop('SIGTERM')).toBe(0);

    // The refusal is noted beside the tokens it refused.
    const noted = await stored();
    expect(noted.tokens).toEqual(loggedIn.tokens);
    expect(noted.registration?.client_id).toBe(loggedIn.registration?.client_id);
    expect(noted.last_refresh).toMatchObject({
      result: 'failed_invalid_grant',
      error: expect.stringContaining('invalid_client'),
      rejected_client_id: loggedIn.registration?.client_id,
    });

    // No daemon: the standalone status reads the store.
    const status = await runCli(['auth', 'status', '-o', 'json', ...at]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({
        name: 'gone',
        oauth_status: 'login_required',
        last_error: expect.stringContaining('invalid_client'),
        source: 'store',
      }),
    ]);

    // A new serve starts it parked, with the same reason, and spends nothing on the dead token.
    const refreshesBefore = refreshRequests(as).length;
    const second = await world.proxy({ config, dataDir, logLevel: 'info' });
    const parked = await waitForState(second.url, 'gone', 'loginRequired', 30_000);
    expect(parked.health.detail).toBe(REASON);
    expect(refreshRequests(as)).toHaveLength(refreshesBefore);
    expect(await second.stop('SIGTERM')).toBe(0);

    // A standalone login (no daemon) registers a new client on the same redirect URI.
    const browserLog = browserLogIn(dataDir);
    const login = await runCli(['auth', 'login', '--server', 'gone', ...at], {
      env: browserEnv(browserLog),
    });
    expect(login.code, login.stderr).toBe(0);
    const visits = await browserVisits(browserLog);
    expect(visits).toHaveLength(1);
    const authUrl = new URL(visits[0]!.auth_url);
    const after = await stored();
    expect(authUrl.searchParams.get('client_id')).not.toBe(loggedIn.registration?.client_id);
    expect(after.registration?.client_id).toBe(authUrl.searchParams.get('client_id'));
    expect(after.callback_port).toBe(loggedIn.callback_port);
    expect(after.tokens?.access_token).not.toBe(loggedIn.tokens?.access_token);
    expect(after.last_refresh).toBeNull();
    const statusAfter = await runCli(['auth', 'status', '-o', 'json', ...at]);
    expect(JSON.parse(statusAfter.stdout)).toEqual([
      expect.objectContaining({ name: 'gone', oauth_status: 'authenticated', last_error: null }),
    ]);
  });
});
