/**
 * @module Soak: 100 concurrent MCP clients call a tool through `/mcp` of a real `serve` for 30 s
 * while the upstream's token (rotation on) is refreshed every ~5 s: no call fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { loginViaDaemon, waitForView } from '../faults/support/daemon-api.js';
import { inFlightAt, runLoad, type LoadResult } from '../faults/support/load-driver.js';
import { issuedToken, refreshRequests } from '../faults/support/refresh-audit.js';
import { report } from './support/report.js';
import { STARTUP_MS } from '../faults/support/daemon-api.js';

const CLIENTS = 100;
const DURATION_MS = 30_000;
let as: OAuthTestServer;
let proxy: ProxyProcess;
let result: LoadResult;
let windowStart: number;

beforeAll(async () => {
  as = await startOAuthTestServer({ accessTokenTtlS: 20, rotateRefreshTokens: true });
  proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    logLevel: 'info',
    config: {
      refresh: { min_interval_s: 1, threshold: 0.25 },
      mcpServers: { up: { url: as.mcpUrl, protocol: 'http' } },
    },
  });
  await waitForView(proxy.url, 'up', (v) => v.state === 'loginRequired');
  await loginViaDaemon(proxy.url, 'up');
  windowStart = Date.now();
  result = await runLoad({
    baseUrl: proxy.url,
    tool: 'up__echo',
    clients: CLIENTS,
    durationMs: DURATION_MS,
  });
});

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
});

describe(`soak: ${CLIENTS} clients for ${DURATION_MS / 1000} s, token refreshed every ~5 s`, () => {
  it('no call fails, and the refreshes really happened', () => {
    const during = refreshRequests(as.log()).filter((e) => Date.parse(e.at) >= windowStart);
    report('load-100x30', {
      clients: CLIENTS,
      duration_ms: result.durationMs,
      calls: result.calls,
      failed_calls: result.failures.length,
      calls_per_second: result.callsPerSecond,
      p50_ms: result.p50Ms,
      p99_ms: result.p99Ms,
      max_ms: result.maxMs,
      refreshes_during: during.length,
      refreshes_with_calls_in_flight: during.filter((e) => inFlightAt(result, Date.parse(e.at)))
        .length,
      refused_tokens_at_upstream: as
        .log()
        .filter((e) => e.path === '/mcp' && e.status === 401 && e.access_token_fp).length,
    });
    expect(result.failures, JSON.stringify(result.failures.slice(0, 5))).toEqual([]);
    expect(during.length).toBeGreaterThanOrEqual(5);
    expect(during.every(issuedToken)).toBe(true);
    expect(as.log().every((e) => !e.reused_refresh_token)).toBe(true);
  });
});
