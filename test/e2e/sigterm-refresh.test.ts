/**
 * Issue 4: SIGTERM while a refresh is in flight (the AS answers slowly), then a restart. serve
 * exits 0 within the 5 s budget, the stored refresh token survives, and the restarted proxy
 * reconnects with it — no login, no browser.
 *
 * Known gap (rotation on): shutdown aborts the in-flight refresh instead of letting it finish
 * and commit within the 5 s budget. An AS that completes the request of a client that left
 * (as real ones do, and the test server's `slow` mode does) has then rotated the refresh token,
 * and the restart presents the retired one: invalid_grant, login required. The fix belongs in
 * `cli/daemon.ts` `stop()` (drain refreshes before stopping the supervisor); until then that
 * case is an expected failure below.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuthTestServer } from '../oauthserver/index.js';
import { waitFor } from '../helpers/proxy-process.js';
import { authorizeCount, refreshRequests } from './support/as-log.js';
import { loginThroughDaemon } from './support/login.js';
import { callTool, connectMcp } from './support/mcp-client.js';
import { waitForView } from './support/rest.js';
import { storedSummary } from './support/store.js';
import { e2eWorld, oauthConfig } from './support/world.js';

/**
 * One replica id across the restart, so the restarted process owns the lease the stopped one
 * held (with a new id it waits up to 30 s for it; oauth-crash.test.ts proves that path).
 */
const SAME_REPLICA = { MCPPROXY_REPLICA_ID: 'e2e-sigterm-replica' };

describe('SIGTERM during an in-flight refresh', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  /** Logs in, stops serve with SIGTERM mid-refresh, restarts it; answers the settled view. */
  async function stopMidRefreshAndRestart(as: OAuthTestServer) {
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
      { timeoutMs: 20_000 },
    );
    return { again, settled };
  }

  it('exits 0 within 5 s, and the restart reconnects with the stored refresh token (no rotation)', async () => {
    const as = await world.authServer({ accessTokenTtlS: 3 });
    const { again, settled } = await stopMidRefreshAndRestart(as);
    expect(settled.state).toMatch(/^authenticated/);
    const client = await connectMcp(again.url);
    expect((await callTool(client, 'oauth__echo', { message: 'back' })).text).toBe('back');
    await client.close();
    expect(authorizeCount(as)).toBe(1);
  }, 60_000);

  it.fails(
    'exits 0 within 5 s, and the restart reconnects without login (rotation on; known gap: shutdown aborts the refresh)',
    async () => {
      const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
      const { settled } = await stopMidRefreshAndRestart(as);
      expect(settled.state).toMatch(/^authenticated/);
      expect(authorizeCount(as)).toBe(1);
    },
    60_000,
  );
});
