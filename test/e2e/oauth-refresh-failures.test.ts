/**
 * Issue 3, refresh failures end to end, with the real LMDB store. Tests run side by side.
 *
 * The failure table (SPEC §3): one `serve` process with one upstream per failure mode, each
 * behind its own OAuth test server, with the default rate limit (min_interval_s 10). Each AS
 * breaks only the refresh grant, and heals itself after one injected failure (`times: 1`), so
 * one run shows the failure and the recovery.
 *
 * Crashes (SIGKILL of `mcpproxy serve`) around a refresh with refresh-token rotation and
 * RFC 9700 reuse detection at the AS.
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
import { describe, expect, it } from 'vitest';
import type { FailConfig, OAuthTestServer, RequestLogEntry } from '../oauthserver/index.js';
import { waitFor } from '../helpers/proxy-process.js';
import { authorizeCount, gapsMs, refreshRequests } from './support/as-log.js';
import { subscribeEvents, type SseMessage } from './support/events.js';
import { loginThroughDaemon } from './support/login.js';
import { expectOneRejectedAttemptThenLogin, loggedInProxy, SAME_REPLICA } from './support/crash.js';
import { serverView, waitForState } from './support/rest.js';
import { storedSummary } from './support/store.js';
import { testWorld } from './support/world.js';

/** name → access-token lifetime and the fail mode of its AS. */
const CASES: Record<string, { ttlS: number; fail: FailConfig }> = {
  dead: { ttlS: 40, fail: { mode: 'invalid_grant', grant: 'refresh_token' } },
  s500: { ttlS: 40, fail: { mode: 'server_error', grant: 'refresh_token', times: 1 } },
  s503: {
    ttlS: 60,
    fail: { mode: 'unavailable', grant: 'refresh_token', times: 1, retry_after: 15 },
  },
  hang: { ttlS: 60, fail: { mode: 'timeout', grant: 'refresh_token', times: 1 } },
  junk: { ttlS: 40, fail: { mode: 'malformed', grant: 'refresh_token', times: 1 } },
  stale: { ttlS: 40, fail: { mode: 'expired_token', grant: 'refresh_token' } },
};

/** The `upstream.state` events of one server, in order. */
const statesOf = (messages: SseMessage[], server: string) =>
  messages
    .filter((m) => m.event === 'upstream.state' && m.data.server === server)
    .map((m) => m.data);

describe.concurrent('refresh failures and crashes', { timeout: 150_000 }, () => {
  it('invalid_grant parks after one attempt; 5xx, 503 + Retry-After, timeout and malformed degrade, retry after ≥ 10 s and recover; expired tokens never loop faster than 10 s', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const servers: Record<string, OAuthTestServer> = {};
    for (const [name, c] of Object.entries(CASES)) {
      servers[name] = await world.authServer({
        accessTokenTtlS: c.ttlS,
        rotateRefreshTokens: true,
      });
      servers[name]!.setFail(c.fail);
    }
    // Refresh at 10 % of the lifetime (4–6 s in), so each token outlives its first retry.
    const proxy = await world.proxy({
      config: {
        refresh: { threshold: 0.1 },
        mcpServers: Object.entries(servers).map(([name, as]) => ({ name, url: as.mcpUrl })),
      },
      dataDir: await world.dir(),
      logLevel: 'info',
    });
    const events = await subscribeEvents(world, proxy.url);
    await Promise.all(Object.keys(CASES).map((name) => loginThroughDaemon(proxy.url, name)));

    // The timeout case is the slowest: 30 s hang, then 10 s backoff, then success.
    await waitFor(() => refreshRequests(servers.hang!).some((e) => e.status === 200), {
      timeoutMs: 70_000,
      what: 'the timed-out refresh to be retried',
    });
    const messages = events.messages;

    // invalid_grant: loginRequired with no retries, across the whole ~45 s run.
    expect(refreshRequests(servers.dead!)).toHaveLength(1);
    expect(await serverView(proxy.url, 'dead')).toMatchObject({
      state: 'loginRequired',
      oauth_status: 'login_required',
      health: {
        level: 'unhealthy',
        summary: 'Login required',
        action: 'login',
        detail: expect.stringMatching(
          /^Refresh token rejected \(.*invalid_grant.*\) - login required$/,
        ),
      },
    });
    expect(messages).toContainEqual(
      expect.objectContaining({
        event: 'oauth.refresh_failed',
        data: expect.objectContaining({
          server: 'dead',
          result: 'failed_invalid_grant',
          next_retry_at: null,
        }),
      }),
    );

    // Transient failures: degraded with the SPEC's detail, a retry ≥ 10 s (or Retry-After)
    // after the failed attempt, then healthy again.
    const transient: Array<[string, string, RegExp, number]> = [
      ['s500', 'failed_server_error', /Token endpoint answered HTTP 500\./, 10_000],
      [
        's503',
        'failed_server_error',
        /Token endpoint answered HTTP 503 \(retry after 15s\)\./,
        15_000,
      ],
      ['hang', 'failed_network', /Token endpoint did not answer within 30s\./, 10_000],
      ['junk', 'failed_other', /Token endpoint answered HTTP 200 with malformed JSON\./, 10_000],
    ];
    for (const [name, result, error, minGap] of transient) {
      const refreshes = refreshRequests(servers[name]!).slice(0, 2);
      expect(
        refreshes.map((e) => e.injected ?? 'ok'),
        name,
      ).toEqual([CASES[name]!.fail.mode, 'ok']);
      expect(gapsMs(refreshes)[0], name).toBeGreaterThanOrEqual(minGap);
      const states = statesOf(messages, name);
      const degraded = states.find((s) => s.state === 'degraded.waiting');
      expect(degraded, name).toMatchObject({
        oauth_status: 'retrying',
        health: { level: 'degraded', summary: 'Token refresh pending', action: 'view_logs' },
      });
      expect(degraded.health.detail, name).toMatch(/^Refresh retry 1 in \d+s: /);
      expect(degraded.health.detail, name).toMatch(error);
      const failed = messages.find(
        (m) => m.event === 'oauth.refresh_failed' && m.data.server === name,
      );
      expect(failed?.data, name).toMatchObject({ result, retry_count: 1 });
      expect(
        Date.parse(failed!.data.next_retry_at) - Date.parse(failed!.data.timestamp),
      ).toBeGreaterThanOrEqual(minGap - 1_000);
      // Healed: the retry succeeded and the server is healthy again.
      expect(states.at(-1), name).toMatchObject({
        state: 'authenticated.refreshScheduled',
        health: { level: 'healthy' },
      });
      expect((await serverView(proxy.url, name)).oauth?.retry_count, name).toBe(0);
    }

    // expired_token: every answer is already expired, yet no refresh loop. The machine starts
    // attempts min_interval_s (10 s) apart (unit-tested on a simulated clock); here its attempt
    // log lines, written as each attempt starts, are 10 s apart give or take a loaded machine's
    // scheduling (250 ms), and at the AS the spacing never comes near a loop.
    const stale = refreshRequests(servers.stale!);
    expect(stale.length).toBeGreaterThanOrEqual(3);
    expect(stale.every((e) => e.status === 200)).toBe(true);
    const attempts = proxy
      .logLines()
      .filter((l) => l.server === 'stale' && l.msg === 'OAuth token refresh attempt')
      .map((l) => Date.parse(String(l.time)));
    // (One attempt may have started but not reached the AS yet.)
    expect(attempts.length - stale.length).toBeGreaterThanOrEqual(0);
    expect(attempts.length - stale.length).toBeLessThanOrEqual(1);
    for (let i = 1; i < attempts.length; i++) {
      expect(attempts[i]! - attempts[i - 1]!).toBeGreaterThanOrEqual(10_000 - 250);
    }
    for (const gap of gapsMs(stale)) expect(gap).toBeGreaterThanOrEqual(5_000);
    for (const as of Object.values(servers)) expect(authorizeCount(as)).toBe(1);
  });

  it('kill -9 while the refresh hangs unprocessed at the AS keeps the stored refresh token live: after the dead lease expires the restart refreshes without login', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    const { dataDir, config, proxy, committed } = await loggedInProxy(world, as);

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
    // A quick start connects first with the access token if it has not expired yet (3 s): wait
    // for the refresh itself, which comes once the token is due and the dead lease has expired.
    await waitFor(() => refreshRequests(as).find((e) => e.at >= killedAt && e.status !== 0), {
      timeoutMs: 40_000,
      what: 'the restarted proxy to refresh',
    });
    await waitForState(again.url, 'oauth', 'authenticated', 40_000);
    const after = refreshRequests(as).filter((e) => e.at >= killedAt);
    expect(after[0]).toMatchObject({ refresh_token_fp: committed.refresh_fp, status: 200 });
    expect(refreshRequests(as).every((e) => !e.reused_refresh_token)).toBe(true);
    expect(authorizeCount(as)).toBe(1);
  });

  it('kill -9 while a slow refresh is in flight: the AS rotates for the dead client; the store keeps the old pair, the restart makes one rejected attempt, parks, and one login recovers', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    const as = await world.authServer({ accessTokenTtlS: 3, rotateRefreshTokens: true });
    const { dataDir, config, proxy, committed } = await loggedInProxy(world, as, SAME_REPLICA);

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

    await expectOneRejectedAttemptThenLogin(world, as, config, dataDir, committed.refresh_fp!);
  });

  it('kill -9 right after the AS answered a refresh: the store holds the old or the new pair, never anything else, and the restart follows it', async ({
    onTestFinished,
  }) => {
    const world = testWorld(onTestFinished);
    let onAnswered: ((entry: RequestLogEntry) => void) | null = null;
    const as = await world.authServer({
      accessTokenTtlS: 3,
      rotateRefreshTokens: true,
      onRequest: (entry) => onAnswered?.(entry),
    });
    const { dataDir, config, proxy, committed } = await loggedInProxy(world, as, SAME_REPLICA);

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
      await expectOneRejectedAttemptThenLogin(world, as, config, dataDir, committed.refresh_fp!);
    }
  });
});
