/**
 * Issue 3, crashes (SIGKILL of `mcpproxy serve`) around a refresh with refresh-token rotation and
 * RFC 9700 reuse detection at the OAuth test server, with the real LMDB store.
 *
 * What is guaranteed, precisely:
 * - The proxy commits a rotated refresh token to LMDB before it uses the new access token; the
 *   store only ever holds a committed pair (old or new), never a half-written record.
 * - A crash while the AS has not processed the refresh request (it hangs unanswered) loses
 *   nothing: the stored refresh token is still the live one, and the restarted proxy refreshes
 *   with it — no login. The dead process's refresh lease (SPEC §3a) is honoured until it
 *   expires (≤ 30 s), unless the restarted process has the same replica id, which retakes its
 *   own lease at once.
 * - A crash after the AS rotated the token but before the proxy committed the answer (the AS
 *   processed the request of a client that died, or answered just before the SIGKILL) cannot
 *   keep the grant: the only copy of the new refresh token died with the process, and an AS with
 *   reuse detection revokes the grant when the old one is presented. The proxy then makes exactly
 *   one refresh attempt, parks in `loginRequired` with a detail naming the rejected refresh token,
 *   makes no further attempts, and one login recovers. Only an AS with a reuse grace period
 *   could avoid that login; no client-side ordering can.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuthTestServer, RequestLogEntry } from '../oauthserver/index.js';
import { waitFor } from '../helpers/proxy-process.js';
import { authorizeCount, refreshRequests } from './support/as-log.js';
import { loginThroughDaemon } from './support/login.js';
import { serverView, waitForState, waitForView } from './support/rest.js';
import { storedSummary } from './support/store.js';
import { e2eWorld, oauthConfig } from './support/world.js';

/** One replica id across restarts: the restarted process owns the dead one's lease. */
const SAME_REPLICA = { MCPPROXY_REPLICA_ID: 'e2e-crash-replica' };

describe('a crash around a rotating refresh', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  async function loggedInProxy(as: OAuthTestServer, env: Record<string, string> = {}) {
    const dataDir = await world.dir();
    const config = oauthConfig([['oauth', as]]);
    const proxy = await world.proxy({ config, dataDir, env, logLevel: 'info' });
    await loginThroughDaemon(proxy.url, 'oauth');
    const committed = await storedSummary(dataDir, 'oauth', as.mcpUrl);
    return { dataDir, config, proxy, committed };
  }

  it('kill -9 while the refresh hangs unprocessed at the AS keeps the stored refresh token live: after the dead lease expires the restart refreshes without login', async () => {
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    const { dataDir, config, proxy, committed } = await loggedInProxy(as);

    as.setFail({ mode: 'timeout', grant: 'refresh_token' });
    const hung = await waitFor(() => refreshRequests(as).find((e) => e.injected === 'timeout'), {
      what: 'the refresh request to hang at the AS',
    });
    await proxy.stop('SIGKILL');
    as.setFail({ mode: 'none' });

    // Nothing was redeemed: the store still holds the live refresh token, unchanged.
    expect(hung.refresh_token_fp).toBe(committed.refresh_fp);
    expect(await storedSummary(dataDir, 'oauth', as.mcpUrl)).toEqual(committed);

    // A new process (new replica id) waits for the dead holder's lease, then redeems.
    const killedAt = new Date().toISOString();
    const again = await world.proxy({ config, dataDir, logLevel: 'info' });
    await waitForState(again.url, 'oauth', 'authenticated', 40_000);
    const after = refreshRequests(as).filter((e) => e.at >= killedAt);
    expect(after[0]).toMatchObject({ refresh_token_fp: committed.refresh_fp, status: 200 });
    expect(refreshRequests(as).every((e) => !e.reused_refresh_token)).toBe(true);
    expect(authorizeCount(as)).toBe(1);
  }, 70_000);

  it('kill -9 while a slow refresh is in flight: the AS rotates for the dead client; the store keeps the old pair, the restart makes one rejected attempt, parks, and one login recovers', async () => {
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    const { dataDir, config, proxy, committed } = await loggedInProxy(as, SAME_REPLICA);

    as.setFail({ mode: 'slow', grant: 'refresh_token', delay_ms: 10_000 });
    await waitFor(() => refreshRequests(as).find((e) => e.injected === 'slow'), {
      what: 'the slow refresh to reach the AS',
    });
    await proxy.stop('SIGKILL');
    // The AS goes on with the request of the dead client and rotates the token.
    const orphan = await waitFor(() =>
      refreshRequests(as).find((e) => e.injected === 'slow' && e.issued_refresh_token_fp),
    );
    as.setFail({ mode: 'none' });
    expect(orphan).toMatchObject({ refresh_token_fp: committed.refresh_fp, status: 0 });
    expect(await storedSummary(dataDir, 'oauth', as.mcpUrl)).toEqual(committed);

    await expectOneRejectedAttemptThenLogin(as, config, dataDir, committed.refresh_fp!);
  }, 60_000);

  it('kill -9 right after the AS answered a refresh: the store holds the old or the new pair, never anything else, and the restart follows it', async () => {
    let onAnswered: ((entry: RequestLogEntry) => void) | null = null;
    const as = await world.authServer({
      accessTokenTtlS: 3,
      rotateRefreshTokens: true,
      onRequest: (entry) => onAnswered?.(entry),
    });
    const { dataDir, config, proxy, committed } = await loggedInProxy(as, SAME_REPLICA);

    const answered = new Promise<RequestLogEntry>((resolve) => {
      onAnswered = (entry) => {
        if (entry.grant_type !== 'refresh_token' || entry.status !== 200) return;
        onAnswered = null;
        process.kill(proxy.pid, 'SIGKILL');
        resolve(entry);
      };
    });
    const killed = await answered;
    await proxy.stop('SIGKILL');

    const stored = await storedSummary(dataDir, 'oauth', as.mcpUrl);
    expect(stored.status).toBe('found');
    if (stored.refresh_fp === killed.issued_refresh_token_fp) {
      // Committed before the kill: the new pair is stored whole, and the restart uses it.
      expect(stored.access_fp).toBe(killed.issued_access_token_fp);
      const killedAt = new Date().toISOString();
      const again = await world.proxy({ config, dataDir, env: SAME_REPLICA, logLevel: 'info' });
      await waitForState(again.url, 'oauth', 'authenticated');
      expect(refreshRequests(as).every((e) => !e.reused_refresh_token)).toBe(true);
      expect(as.log().filter((e) => e.at >= killedAt && e.path === '/authorize')).toEqual([]);
    } else {
      // Not committed: the old pair is stored unchanged, and its refresh token is retired.
      expect(stored).toEqual(committed);
      await expectOneRejectedAttemptThenLogin(as, config, dataDir, committed.refresh_fp!);
    }
  }, 60_000);

  /** The restart after a lost rotation: one invalid_grant attempt, parked, then a login works. */
  async function expectOneRejectedAttemptThenLogin(
    as: OAuthTestServer,
    config: Record<string, unknown>,
    dataDir: string,
    retiredFp: string,
  ): Promise<void> {
    const restartedAt = new Date().toISOString();
    const again = await world.proxy({ config, dataDir, env: SAME_REPLICA, logLevel: 'info' });
    const parked = await waitForState(again.url, 'oauth', 'loginRequired');
    expect(parked.health).toMatchObject({ level: 'unhealthy', action: 'login' });
    expect(parked.health.detail).toMatch(
      /^Refresh token rejected \(.*invalid_grant.*\) - login required$/,
    );
    const attempts = () => refreshRequests(as).filter((e) => e.at >= restartedAt);
    expect(attempts()).toHaveLength(1);
    expect(attempts()[0]).toMatchObject({ refresh_token_fp: retiredFp, error: 'invalid_grant' });
    // Parked: still that one attempt after several 1 s rate-limit windows.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(attempts()).toHaveLength(1);
    expect((await serverView(again.url, 'oauth')).state).toBe('loginRequired');

    await loginThroughDaemon(again.url, 'oauth');
    await waitForView(again.url, 'oauth', (v) => v.oauth_status === 'authenticated');
    expect(authorizeCount(as)).toBe(2);
  }
});
