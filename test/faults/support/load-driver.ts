/**
 * @module Concurrent MCP clients calling one tool through the proxy's `/mcp` for a while: every
 * call's outcome and latency is kept, so a test can prove "no call failed while tokens refreshed".
 */
import { startOAuthTestServer, type OAuthTestServer } from '../../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../../helpers/proxy-process.js';
import { loginViaDaemon, STARTUP_MS, waitForView } from './daemon-api.js';
import { call, connectMcp, textOf } from './mcp-client.js';

export interface LoadFailure {
  at: number;
  client: number;
  text: string;
}

export interface LoadResult {
  calls: number;
  /** [start, end] of every call, epoch ms. */
  spans: Array<[number, number]>;
  failures: LoadFailure[];
  durationMs: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Whether some call was in flight at `at` (started before, ended after). */
export function inFlightAt(result: LoadResult, at: number): boolean {
  return result.spans.some(([start, end]) => start <= at && end >= at);
}

/** Connects `clients` sessions, then each calls `tool` back to back until `durationMs` passed. */
export async function runLoad(options: {
  baseUrl: string;
  tool: string;
  clients: number;
  durationMs: number;
}): Promise<LoadResult> {
  const sessions = await Promise.all(
    Array.from({ length: options.clients }, (_, i) => connectMcp(options.baseUrl, `load-${i}`)),
  );
  const failures: LoadFailure[] = [];
  const latencies: number[] = [];
  const spans: Array<[number, number]> = [];
  const started = Date.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    sessions.map(async (client, index) => {
      for (let n = 0; Date.now() < deadline; n += 1) {
        const message = `c${index}-${n}`;
        const begun = performance.now();
        const startedAt = Date.now();
        // Generous: on a saturated machine a call can queue for many seconds; only a failure counts.
        const result = await call(client, options.tool, { message }, 120_000);
        latencies.push(performance.now() - begun);
        spans.push([startedAt, Date.now()]);
        if (result.isError || textOf(result) !== message) {
          failures.push({ at: Date.now(), client: index, text: textOf(result) });
        }
      }
    }),
  );
  const durationMs = Date.now() - started;
  await Promise.all(sessions.map((client) => client.close().catch(() => undefined)));
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    spans,
    failures,
    durationMs,
    callsPerSecond: Math.round((latencies.length / durationMs) * 1000),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(latencies.at(-1) ?? 0),
  };
}

/** A real `serve` logged in to one upstream whose token (rotation on) refreshes every ~5 s. */
export interface RefreshingLoad {
  as: OAuthTestServer;
  proxy: ProxyProcess;
  /** When the load began: refreshes from here on happened under it. */
  windowStart: number;
  result: LoadResult;
}

/**
 * Starts the test server (20 s tokens, rotation) and a `serve` that refreshes at a quarter of
 * the lifetime (every ~5 s, the old token valid 15 s longer: a saturated machine can delay a
 * timer by seconds), logs in, then runs `clients` callers of `up__echo` for `durationMs`.
 * `started` receives the processes as soon as they exist, so a failing set-up can still stop them.
 */
export async function runLoadWhileRefreshing(
  options: { clients: number; durationMs: number },
  started: (processes: { as: OAuthTestServer; proxy?: ProxyProcess }) => void,
): Promise<RefreshingLoad> {
  const as = await startOAuthTestServer({ accessTokenTtlS: 20, rotateRefreshTokens: true });
  started({ as });
  const proxy = await startProxy({
    timeoutMs: STARTUP_MS,
    logLevel: 'info',
    config: {
      refresh: { min_interval_s: 1, threshold: 0.25 },
      mcpServers: { up: { url: as.mcpUrl, protocol: 'http' } },
    },
  });
  started({ as, proxy });
  await waitForView(proxy.url, 'up', (v) => v.state === 'loginRequired');
  await loginViaDaemon(proxy.url, 'up');
  const windowStart = Date.now();
  const result = await runLoad({ baseUrl: proxy.url, tool: 'up__echo', ...options });
  return { as, proxy, windowStart, result };
}
