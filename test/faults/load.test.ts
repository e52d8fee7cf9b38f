/**
 * @module Calls never fail because of a refresh (SPEC §3): concurrent MCP clients call a tool
 * through `/mcp` of a real `serve` while its upstream's token (rotation on) is refreshed every
 * ~5 s. Calls during a refresh use the still-valid token; after the commit, the new one. The
 * 100-client, 30 s run is `npm run test:soak`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthTestServer } from '../oauthserver/index.js';
import type { ProxyProcess } from '../helpers/proxy-process.js';
import { inFlightAt, runLoadWhileRefreshing, type RefreshingLoad } from './support/load-driver.js';
import { refreshRequests, issuedToken } from './support/refresh-audit.js';

const CLIENTS = 20;
const DURATION_MS = 10_000;
let as: OAuthTestServer | undefined;
let proxy: ProxyProcess | undefined;
let load: RefreshingLoad;

beforeAll(async () => {
  load = await runLoadWhileRefreshing({ clients: CLIENTS, durationMs: DURATION_MS }, (started) => {
    ({ as, proxy } = started);
  });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
});

describe(`${CLIENTS} MCP clients for ${DURATION_MS / 1000} s while the token refreshes every ~5 s`, () => {
  it('no call fails', () => {
    expect(load.result.calls).toBeGreaterThan(CLIENTS);
    // On failure, say when the refreshes happened: a late refresh and a refused token explain it.
    const refreshes = refreshRequests(load.as.log()).map((e) => `${e.at} ${e.status}`);
    expect(
      load.result.failures,
      JSON.stringify({ failed: load.result.failures.slice(0, 3), refreshes }),
    ).toEqual([]);
  });

  it('refreshes with rotation happened while calls were in flight, each answered with a token', () => {
    const during = refreshRequests(load.as.log()).filter(
      (e) => Date.parse(e.at) >= load.windowStart,
    );
    const overlapped = during.filter((e) => inFlightAt(load.result, Date.parse(e.at)));
    expect(overlapped.length).toBeGreaterThanOrEqual(1);
    expect(during.every(issuedToken)).toBe(true);
    expect(load.as.log().every((e) => !e.reused_refresh_token)).toBe(true);
    // No request carrying a token was refused by the upstream (the only 401s are the
    // unauthenticated probes before the login).
    const refused = load.as.log().filter((e) => e.path === '/mcp' && e.status === 401);
    expect(refused.filter((e) => e.access_token_fp !== undefined)).toEqual([]);
  });
});
