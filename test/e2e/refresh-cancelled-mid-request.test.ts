/**
 * A server restarted (REST, or a config change) while its refresh request is at the token
 * endpoint: the answer is stored when it comes and the next attempt adopts it, so the AS never
 * sees the refresh token twice — with rotation and reuse detection a second send revokes the
 * grant and forces a browser login. Real `serve`, the OAuth test server answering slowly.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/proxy-process.js';
import { refreshRequests } from './support/as-log.js';
import { loginThroughDaemon } from './support/login.js';
import { post, waitForState, waitForView } from './support/rest.js';
import { oauthConfig, testWorld } from './support/world.js';

describe('a restart during a refresh request', { timeout: 90_000 }, () => {
  it('never sends the refresh token twice, and the server stays logged in', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 4, rotateRefreshTokens: true });
    const proxy = await world.proxy({
      config: oauthConfig([['oauth', as]]),
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    await loginThroughDaemon(proxy.url, 'oauth');
    as.setFail({ mode: 'slow', grant: 'refresh_token', delay_ms: 2_000 });
    await waitForState(proxy.url, 'oauth', 'authenticated.refreshing');
    await waitForView(proxy.url, 'oauth', () => refreshRequests(as).length >= 1, {
      what: 'the refresh request at the token endpoint',
    });

    const restarted = await post(proxy.url, '/api/v1/servers/oauth/restart');
    expect(restarted.status).toBe(200);

    // The slow answer arrives and is stored; the server goes on with it and keeps refreshing.
    const stored =
      'A refresh answered after its attempt was cancelled: its rotated token is stored';
    await waitFor(() => proxy.logLines().some((line) => line.msg === stored), {
      timeoutMs: 15_000,
      what: 'the late answer to be stored',
    });
    as.setFail({ mode: 'none' });
    await waitForView(proxy.url, 'oauth', () => refreshRequests(as).length >= 3, {
      timeoutMs: 30_000,
      what: 'two more refreshes',
    });
    const view = await waitForState(proxy.url, 'oauth', 'authenticated');
    expect(view.oauth_status).toBe('authenticated');
    const redemptions = refreshRequests(as);
    expect(redemptions.filter((entry) => entry.reused_refresh_token)).toEqual([]);
    const presented = redemptions.map((entry) => entry.refresh_token_fp);
    expect(new Set(presented).size).toBe(presented.length);
  });
});
