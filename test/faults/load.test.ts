/**
 * @module Calls never fail because of a refresh (SPEC §3): concurrent MCP clients call a tool
 * through `/mcp` of a real `serve` while its upstream's token (rotation on) is refreshed every
 * ~5 s. Calls during a refresh use the still-valid token; after the commit, the new one. The
 * 100-client, 30 s run is `npm run test:soak`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthTestServer, type OAuthTestServer } from '../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { loginViaDaemon, waitForView, STARTUP_MS } from './support/daemon-api.js';
import { inFlightAt, runLoad, type LoadResult } from './support/load-driver.js';
import { refreshRequests, issuedToken } from './support/refresh-audit.js';

const CLIENTS = 20;
const DURATION_MS = 10_000;
let as: OAuthTestServer;
let proxy: ProxyProcess;
let result: LoadResult;
let windowStart: number;

beforeAll(async () => {
  // 20 s tokens refreshed at a quarter of their lifetime: every ~5 s, the old token valid 15 s
  // longer (a saturated machine can delay a timer by seconds; real tokens leave minutes).
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
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
});

describe(`${CLIENTS} MCP clients for ${DURATION_MS / 1000} s while the token refreshes every ~5 s`, () => {
  it('no call fails', () => {
    expect(result.calls).toBeGreaterThan(CLIENTS);
    // On failure, say when the refreshes happened: a late refresh and a refused token explain it.
    const refreshes = refreshRequests(as.log()).map((e) => `${e.at} ${e.status}`);
    expect(
      result.failures,
      JSON.stringify({ failed: result.failures.slice(0, 3), refreshes }),
    ).toEqual([]);
  });

  it('refreshes with rotation happened while calls were in flight, each answered with a token', () => {
    const during = refreshRequests(as.log()).filter((e) => Date.parse(e.at) >= windowStart);
    const overlapped = during.filter((e) => inFlightAt(result, Date.parse(e.at)));
    expect(overlapped.length).toBeGreaterThanOrEqual(1);
    expect(during.every(issuedToken)).toBe(true);
    expect(as.log().every((e) => !e.reused_refresh_token)).toBe(true);
    // No request carrying a token was refused by the upstream (the only 401s are the
    // unauthenticated probes before the login).
    const refused = as.log().filter((e) => e.path === '/mcp' && e.status === 401);
    expect(refused.filter((e) => e.access_token_fp !== undefined)).toEqual([]);
  });
});
