/**
 * Issue 3, the refresh failure table (SPEC §3) end to end: one `serve` process with one upstream
 * per failure mode, each behind its own OAuth test server, with the default rate limit
 * (min_interval_s 10). Each AS breaks only the refresh grant, and heals itself after one
 * injected failure (`times: 1`), so one run shows the failure and the recovery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FailConfig, OAuthTestServer } from '../oauthserver/index.js';
import { waitFor } from '../helpers/proxy-process.js';
import { authorizeCount, gapsMs, refreshRequests } from './support/as-log.js';
import { subscribeEvents, type SseMessage } from './support/events.js';
import { loginThroughDaemon } from './support/login.js';
import { serverView } from './support/rest.js';
import { e2eWorld } from './support/world.js';

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

describe('refresh failures are classified once and retried on the SPEC schedule', () => {
  const world = e2eWorld();
  afterEach(() => world.cleanup());

  it('invalid_grant parks after one attempt; 5xx, 503 + Retry-After, timeout and malformed degrade, retry after ≥ 10 s and recover; expired tokens never loop faster than 10 s', async () => {
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

    // expired_token: every answer is already expired, yet no refresh loop: the machine starts
    // attempts exactly min_interval_s (10 s) apart; the AS sees them at least 9.5 s apart (an
    // attempt's token request follows its discovery and store reads by a few ms, more on a
    // loaded machine), never the 1 s or less of a loop.
    const stale = refreshRequests(servers.stale!);
    expect(stale.length).toBeGreaterThanOrEqual(3);
    expect(stale.every((e) => e.status === 200)).toBe(true);
    for (const gap of gapsMs(stale)) expect(gap).toBeGreaterThanOrEqual(9_500);
    const attempts = proxy
      .logLines()
      .filter((l) => l.server === 'stale' && l.msg === 'OAuth token refresh attempt');
    expect(attempts).toHaveLength(stale.length);
    for (const as of Object.values(servers)) expect(authorizeCount(as)).toBe(1);
  }, 100_000);
});
