/**
 * @module Soak: 100 concurrent MCP clients call a tool through `/mcp` of a real `serve` for 30 s
 * while the upstream's token (rotation on) is refreshed every ~5 s: no call fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthTestServer } from '../oauthserver/index.js';
import type { ProxyProcess } from '../helpers/proxy-process.js';
import {
  inFlightAt,
  runLoadWhileRefreshing,
  type RefreshingLoad,
} from '../faults/support/load-driver.js';
import { issuedToken, refreshRequests } from '../faults/support/refresh-audit.js';
import { report } from './support/report.js';

const CLIENTS = 100;
const DURATION_MS = 30_000;
let as: OAuthTestServer | undefined;
let proxy: ProxyProcess | undefined;
let load: RefreshingLoad;

beforeAll(async () => {
  load = await runLoadWhileRefreshing({ clients: CLIENTS, durationMs: DURATION_MS }, (started) => {
    ({ as, proxy } = started);
  });
});

afterAll(async () => {
  await proxy?.stop();
  await as?.stop();
});

describe(`soak: ${CLIENTS} clients for ${DURATION_MS / 1000} s, token refreshed every ~5 s`, () => {
  it('no call fails, and the refreshes really happened', () => {
    const during = refreshRequests(load.as.log()).filter(
      (e) => Date.parse(e.at) >= load.windowStart,
    );
    report('load-100x30', {
      clients: CLIENTS,
      duration_ms: load.result.durationMs,
      calls: load.result.calls,
      failed_calls: load.result.failures.length,
      calls_per_second: load.result.callsPerSecond,
      p50_ms: load.result.p50Ms,
      p99_ms: load.result.p99Ms,
      max_ms: load.result.maxMs,
      refreshes_during: during.length,
      refreshes_with_calls_in_flight: during.filter((e) =>
        inFlightAt(load.result, Date.parse(e.at)),
      ).length,
      refused_tokens_at_upstream: load.as
        .log()
        .filter((e) => e.path === '/mcp' && e.status === 401 && e.access_token_fp).length,
    });
    expect(load.result.failures, JSON.stringify(load.result.failures.slice(0, 5))).toEqual([]);
    expect(during.length).toBeGreaterThanOrEqual(5);
    expect(during.every(issuedToken)).toBe(true);
    expect(load.as.log().every((e) => !e.reused_refresh_token)).toBe(true);
  });
});
