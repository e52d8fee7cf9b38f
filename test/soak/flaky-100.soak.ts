/**
 * @module Soak: a token endpoint failing every 3rd refresh (500) over 100 refreshes of one server
 * (default `min_interval_s` 10, rotation on): each failure is classified and backed off, each
 * success recovers, no two attempts closer than 10 s (AS log and proxy log), "succeeded" logged
 * exactly once per answer that carried a token, no reused refresh token. ~17 minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { startProxy, waitFor, type ProxyProcess } from '../helpers/proxy-process.js';
import {
  isAuthenticated,
  loginViaDaemon,
  recordEvents,
  waitForView,
  type EventLog,
} from '../faults/support/daemon-api.js';
import {
  arrivals,
  attemptTimes,
  gaps,
  issuedToken,
  linesFor,
  refreshRequests,
  spacedBy,
  spacing,
} from '../faults/support/refresh-audit.js';
import { report } from './support/report.js';
import { STARTUP_MS } from '../faults/support/daemon-api.js';

const REFRESHES = 100;
let as: OAuthTestServer;
let proxy: ProxyProcess;
let events: EventLog;
let started: number;

beforeAll(async () => {
  as = await startOAuthTestServer({ accessTokenTtlS: 12, rotateRefreshTokens: true });
  proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    logLevel: 'info',
    config: { mcpServers: { flaky: { url: as.mcpUrl, protocol: 'http' } } },
  });
  events = await recordEvents(proxy.url);
  await waitForView(proxy.url, 'flaky', (v) => v.state === 'loginRequired');
  await loginViaDaemon(proxy.url, 'flaky');
  as.setFail({ mode: 'flaky', every: 3, grant: 'refresh_token' });
  started = Date.now();
  await waitFor(() => refreshRequests(as.log()).length >= REFRESHES, {
    timeoutMs: 30 * 60_000,
    intervalMs: 1000,
  });
  as.setFail({ mode: 'none' });
  await waitForView(proxy.url, 'flaky', isAuthenticated, { timeoutMs: 60_000 });
});

afterAll(async () => {
  events?.close();
  await proxy?.stop();
  await as?.stop();
});

describe(`soak: flaky 1-in-3 over ${REFRESHES} refreshes`, () => {
  it('classifies every failure, backs off, recovers, and is honest and spaced throughout', () => {
    const requests = refreshRequests(as.log()).slice(0, REFRESHES);
    const failedAtAs = requests.filter((e) => e.status === 500);
    const lines = proxy.logLines();
    const failedLines = linesFor(lines, 'flaky', 'OAuth token refresh failed');
    const succeededLines = linesFor(lines, 'flaky', 'OAuth token refresh succeeded');
    const all = refreshRequests(as.log());
    expect(failedAtAs.length).toBeGreaterThanOrEqual(Math.floor(REFRESHES / 3) - 1);
    expect(failedLines.every((l) => l.result === 'failed_server_error')).toBe(true);
    expect(failedLines.length).toBe(all.filter((e) => !issuedToken(e)).length);
    expect(succeededLines.length).toBe(all.filter(issuedToken).length);
    // Right after each failure the server is degraded (token still valid) or retrying (expired).
    const failures = events
      .messages()
      .map((m) => m.data)
      .filter((d) => d?.type === 'oauth.refresh_failed');
    expect(failures.length).toBe(failedLines.length);
    const states = events.states('flaky');
    for (const failure of failures) {
      const after = states.find((s) => Date.parse(s.timestamp) >= Date.parse(failure.timestamp));
      expect(after?.state ?? '', JSON.stringify(failure)).toMatch(/^(degraded\.waiting|retrying)/);
    }
    const asGaps = gaps(arrivals(all));
    const proxyGaps = gaps(attemptTimes(lines, 'flaky'));
    const spaced = spacing(as.log(), lines, 'flaky');
    expect(spacedBy(spaced, 10_000), JSON.stringify(spaced)).toBe(true);
    expect(as.log().every((e) => !e.reused_refresh_token)).toBe(true);
    const sorted = [...asGaps].sort((a, b) => a - b);
    report('flaky-100', {
      refreshes: all.length,
      failed: failedAtAs.length,
      succeeded_lines: succeededLines.length,
      failed_lines: failedLines.length,
      min_gap_as_attempts_ms: spaced.asAttemptMs,
      min_gap_as_token_requests_ms: sorted[0],
      median_gap_as_ms: sorted[Math.floor(sorted.length / 2)],
      min_gap_proxy_ms: Math.min(...proxyGaps),
      duration_s: Math.round((Date.now() - started) / 1000),
      reused_refresh_tokens: as.log().filter((e) => e.reused_refresh_token).length,
    });
  });
});
