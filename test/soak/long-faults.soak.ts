/**
 * @module Soak: the two slow token-endpoint faults with the real 30 s timeout of a `serve`
 * process: a token endpoint that hangs (failed_network after 30 s, degraded, one retry after the
 * backoff, recovery) and one that answers after 25 s (waited for: one request, healthy throughout).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import {
  isAuthenticated,
  loginViaDaemon,
  recordEvents,
  serverView,
  waitForView,
  type EventLog,
} from '../faults/support/daemon-api.js';
import {
  issuedToken,
  linesFor,
  refreshRequests,
  spacedBy,
  spacing,
} from '../faults/support/refresh-audit.js';
import { report } from './support/report.js';
import { STARTUP_MS } from '../faults/support/daemon-api.js';

let hang: OAuthTestServer;
let slow: OAuthTestServer;
let proxy: ProxyProcess;
let events: EventLog;

beforeAll(async () => {
  // Refresh at 25 % of the lifetime, so the token outlives a 30 s hang and a 25 s answer.
  hang = await startOAuthTestServer({ accessTokenTtlS: 80, rotateRefreshTokens: true });
  slow = await startOAuthTestServer({ accessTokenTtlS: 120, rotateRefreshTokens: true });
  proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    logLevel: 'info',
    config: {
      refresh: { threshold: 0.25 },
      mcpServers: {
        hang: { url: hang.mcpUrl, protocol: 'http' },
        slow: { url: slow.mcpUrl, protocol: 'http' },
      },
    },
  });
  events = await recordEvents(proxy.url);
  for (const name of ['hang', 'slow']) {
    await waitForView(proxy.url, name, (v) => v.state === 'loginRequired');
    await loginViaDaemon(proxy.url, name);
  }
  hang.setFail({ mode: 'timeout', grant: 'refresh_token' });
  slow.setFail({ mode: 'slow', delay_ms: 25_000, grant: 'refresh_token', times: 1 });
});

afterAll(async () => {
  events?.close();
  await proxy?.stop();
  await hang?.stop();
  await slow?.stop();
});

function honest(name: string, as: OAuthTestServer) {
  const lines = proxy.logLines();
  const requests = refreshRequests(as.log());
  expect(linesFor(lines, name, 'OAuth token refresh succeeded').length).toBe(
    requests.filter(issuedToken).length,
  );
  const spaced = spacing(as.log(), lines, name);
  expect(spacedBy(spaced, 10_000), JSON.stringify(spaced)).toBe(true);
}

describe('soak: slow token endpoints against the real 30 s timeout', () => {
  it('hangs past 30 s: failed_network after the timeout, degraded, recovers after the backoff', async () => {
    const before = await serverView(proxy.url, 'hang');
    const failed = await events.next(
      (d) => d?.type === 'oauth.refresh_failed' && d.server === 'hang',
      90_000,
    );
    const degraded = await serverView(proxy.url, 'hang');
    hang.setFail({ mode: 'none' });
    const recovered = await waitForView(
      proxy.url,
      'hang',
      (v) => isAuthenticated(v) && v.token_expires_at !== before.token_expires_at,
      { timeoutMs: 60_000 },
    );
    const [hung, next] = refreshRequests(hang.log());
    const failedAt = Date.parse(failed.timestamp);
    const waited = failedAt - Date.parse(hung!.at);
    expect(failed).toMatchObject({ result: 'failed_network' });
    expect(failed.error).toMatch(/did not answer within 30s/);
    expect(waited).toBeGreaterThanOrEqual(29_900);
    expect(degraded.state).toMatch(/^degraded\./);
    expect(degraded.health).toMatchObject({ level: 'degraded', summary: 'Token refresh pending' });
    expect(hung).toMatchObject({ status: 0, injected: 'timeout' });
    expect(Date.parse(next!.at) - failedAt).toBeGreaterThanOrEqual(10_000 - 500);
    expect(recovered.health.level).toBe('healthy');
    honest('hang', hang);
    report('timeout-30s', {
      timeout_observed_ms: waited,
      retry_after_failure_ms: Date.parse(next!.at) - failedAt,
      state_after_failure: degraded.state,
      final_state: recovered.state,
    });
  });

  it('answers after 25 s: waited for, one request, healthy throughout, "succeeded" once', async () => {
    const refreshed = await events.next(
      (d) => d?.type === 'oauth.token_refreshed' && d.server === 'slow',
      120_000,
    );
    const requests = refreshRequests(slow.log());
    expect(requests[0]).toMatchObject({ status: 200, injected: 'slow' });
    expect(requests[0]!.duration_ms).toBeGreaterThanOrEqual(25_000);
    const states = events.states('slow');
    expect(states.every((s) => !/^(degraded|retrying)/.test(s.state))).toBe(true);
    expect(
      states
        .filter((s) => s.state.startsWith('authenticated'))
        .every((s) => s.health.level === 'healthy'),
    ).toBe(true);
    expect(isAuthenticated(await serverView(proxy.url, 'slow'))).toBe(true);
    honest('slow', slow);
    report('slow-25s', {
      answer_ms: requests[0]!.duration_ms,
      requests_during_answer: requests.filter(
        (e) => Date.parse(e.at) < Date.parse(refreshed.timestamp),
      ).length,
      states: [...new Set(states.map((s) => s.state))],
    });
  });
});
