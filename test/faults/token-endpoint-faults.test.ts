/**
 * @module SPEC §3 under token-endpoint faults, with real processes: one `mcpproxy serve` child
 * with one upstream per fault, each behind its own OAuth test server (one of them a child process
 * that is killed and restarted). All scenarios run at once from a shared login; each `it` then
 * checks what its scenario recorded: the state and health after the fault, recovery once healed,
 * the spacing of attempts (AS request log and proxy log), and that "succeeded" was logged only
 * for answers that carried a new token.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerView } from '../../machines/upstream/server-view.js';
import { startOAuthTestServer } from '../oauthserver/index.js';
import type {
  OAuthTestServer,
  OAuthTestServerOptions,
  RequestLogEntry,
} from '../oauthserver/index.js';
import { startProxy, type ProxyProcess } from '../helpers/proxy-process.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { startAsProcess, type AsProcess } from './support/as-process.js';
import {
  isAuthenticated,
  loginViaDaemon,
  recordEvents,
  serverView,
  waitForView,
  type EventLog,
  STARTUP_MS,
} from './support/daemon-api.js';
import { call, connectMcp, textOf } from './support/mcp-client.js';
import {
  attemptStarts,
  expectHonestAndSpaced as auditRefreshes,
  issuedToken,
  linesFor,
  refreshRequests,
  SLACK,
} from './support/refresh-audit.js';
import { expectDegraded, expectRecovered } from './support/view-expectations.js';

const TTL_S = 15;
/** The default `refresh.min_interval_s` (the config below does not set it). */
const MIN_INTERVAL_MS = 10_000;

const onRefresh = { grant: 'refresh_token' } as const;
const AS_OPTIONS: Record<string, OAuthTestServerOptions> = {
  e500: { fail: { mode: 'server_error', ...onRefresh } },
  e503s: { fail: { mode: 'unavailable', retry_after: 15, ...onRefresh } },
  e503d: {},
  malformed: { fail: { mode: 'malformed', ...onRefresh } },
  html: { fail: { mode: 'html', ...onRefresh } },
  noexp: { fail: { mode: 'no_expires_in', ...onRefresh } },
  expired: { fail: { mode: 'expired_token', times: 1, ...onRefresh } },
  // Counts every token request: the login's code exchange is #1, so the 2nd refresh fails.
  flaky: { accessTokenTtlS: 12, fail: { mode: 'flaky', every: 3 } },
  slow: { fail: { mode: 'slow', delay_ms: 3000, times: 1, ...onRefresh } },
  dead: { fail: { mode: 'invalid_grant', ...onRefresh } },
};

const ases = new Map<string, OAuthTestServer>();
let down: AsProcess;
let dir: string;
let proxy: ProxyProcess;
let events: EventLog;
const observed = new Map<string, Record<string, any>>();
const failures = new Map<string, unknown>();

const logOf = (name: string): RequestLogEntry[] =>
  name === 'down' ? down.log() : ases.get(name)!.log();
const view = (name: string) => serverView(proxy.url, name);
/**
 * The view once the refreshed token is stored: `oauth.token_refreshed` is sent when the token
 * endpoint answers, and the server stays in `refreshing` until the store has committed the token.
 */
const committedView = (name: string) =>
  waitForView(proxy.url, name, (v) => v.state === 'authenticated.refreshScheduled', {
    timeoutMs: 10_000,
    what: `${name}'s refreshed token to be committed`,
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isEvent = (type: string, server: string) => (d: any) =>
  d?.type === type && d.server === server;
const failedEvent = (server: string) =>
  events.next(isEvent('oauth.refresh_failed', server), 40_000);
const newToken = (before: ServerView) => (v: ServerView) =>
  isAuthenticated(v) && v.token_expires_at !== before.token_expires_at;

/** A transient failure: record the view after it, heal, and wait for the refreshed token. */
async function transient(name: string, heal: () => Promise<void> | void) {
  const before = await view(name);
  const failed = await failedEvent(name);
  const afterFailure = await view(name);
  await heal();
  const recovered = await waitForView(proxy.url, name, newToken(before), { timeoutMs: 40_000 });
  return { failed, afterFailure, recovered };
}

const scenarios: Record<string, () => Promise<Record<string, any>>> = {
  e500: () => transient('e500', () => ases.get('e500')!.setFail({ mode: 'none' })),
  e503s: () => transient('e503s', () => ases.get('e503s')!.setFail({ mode: 'none' })),
  async e503d() {
    const as = ases.get('e503d')!;
    const refreshAt = Date.parse((await view('e503d')).oauth!.refresh_at!);
    const date = new Date(refreshAt + 17_000).toUTCString();
    as.setFail({ mode: 'unavailable', retry_after: date, ...onRefresh });
    return { date, ...(await transient('e503d', () => as.setFail({ mode: 'none' }))) };
  },
  malformed: () => transient('malformed', () => ases.get('malformed')!.setFail({ mode: 'none' })),
  html: () => transient('html', () => ases.get('html')!.setFail({ mode: 'none' })),
  async noexp() {
    const as = ases.get('noexp')!;
    await events.next(isEvent('oauth.token_refreshed', 'noexp'), 30_000);
    const afterRefresh = await committedView('noexp');
    // Past both the rate-limit window and the moment a 15 s token would have been refreshed.
    await sleep(MIN_INTERVAL_MS + 1000);
    const refreshesBefore401 = refreshRequests(as.log()).length;
    as.expireTokens('access');
    const client = await connectMcp(proxy.url);
    // Refused with 401, the call waits for the refresh that 401 starts and goes through.
    const through401 = await call(client, 'noexp__echo', { message: 'during 401' });
    const refreshed = await waitForView(proxy.url, 'noexp', (v) => {
      return (
        isAuthenticated(v) &&
        refreshRequests(as.log()).some((e, i) => i >= refreshesBefore401 && issuedToken(e))
      );
    });
    const accepted = await call(client, 'noexp__echo', { message: 'after refresh' });
    await sleep(3000);
    await client.close();
    return {
      afterRefresh,
      refreshesBefore401,
      through401,
      accepted,
      refreshed,
      refreshesAfter: refreshRequests(as.log()).length,
    };
  },
  async expired() {
    const first = await events.next(isEvent('oauth.token_refreshed', 'expired'), 30_000);
    const afterExpired = await view('expired');
    const recovered = await waitForView(
      proxy.url,
      'expired',
      (v) => isAuthenticated(v) && Date.parse(v.token_expires_at ?? '0') > Date.now() + 5000,
      { timeoutMs: 30_000 },
    );
    return { first, afterExpired, recovered };
  },
  async flaky() {
    const before = await view('flaky');
    const failed = await failedEvent('flaky');
    const afterFailure = await view('flaky');
    const recovered = await waitForView(
      proxy.url,
      'flaky',
      (v) => newToken(before)(v) && refreshRequests(ases.get('flaky')!.log()).length >= 3,
      { timeoutMs: 40_000 },
    );
    return { failed, afterFailure, recovered };
  },
  async slow() {
    const refreshed = await events.next(isEvent('oauth.token_refreshed', 'slow'), 40_000);
    return { refreshed, after: await committedView('slow') };
  },
  async dead() {
    const failed = await failedEvent('dead');
    const parked = await view('dead');
    // Longer than the first backoff: a retry would have happened by now.
    await sleep(MIN_INTERVAL_MS + 2000);
    const refreshesWhileParked = refreshRequests(ases.get('dead')!.log()).length;
    ases.get('dead')!.setFail({ mode: 'none' });
    const loggedIn = await loginViaDaemon(proxy.url, 'dead');
    return { failed, parked, refreshesWhileParked, loggedIn };
  },
  async down() {
    const before = await view('down');
    await down.kill();
    const failed = await failedEvent('down');
    const afterFailure = await view('down');
    await down.restart();
    const authorizeBefore = down.log().filter((e) => e.path === '/authorize').length;
    const recovered = await waitForView(proxy.url, 'down', newToken(before), { timeoutMs: 40_000 });
    return { failed, afterFailure, recovered, authorizeBefore };
  },
};

beforeAll(async () => {
  dir = await makeTmpDir('mcpproxy-faults-');
  for (const [name, options] of Object.entries(AS_OPTIONS)) {
    ases.set(
      name,
      await startOAuthTestServer({ accessTokenTtlS: TTL_S, rotateRefreshTokens: true, ...options }),
    );
  }
  down = await startAsProcess({
    args: ['--access-token-ttl', `${TTL_S}s`, '--rotate-refresh-tokens'],
    stateFile: join(dir, 'as-state.json'),
  });
  const urls: Record<string, string> = { down: down.mcpUrl };
  for (const [name, as] of ases) urls[name] = as.mcpUrl;
  const mcpServers = Object.fromEntries(
    Object.entries(urls).map(([name, url]) => [name, { url, protocol: 'http' }]),
  );
  proxy = await startProxy({ timeoutMs: STARTUP_MS, config: { mcpServers }, logLevel: 'info' });
  events = await recordEvents(proxy.url);
  await Promise.all(
    Object.keys(urls).map(async (name) => {
      await waitForView(proxy.url, name, (v) => v.state === 'loginRequired');
      await loginViaDaemon(proxy.url, name);
    }),
  );
  await Promise.all(
    Object.entries(scenarios).map(async ([name, run]) => {
      try {
        observed.set(name, await run());
      } catch (error) {
        failures.set(name, error);
      }
    }),
  );
}, 200_000);

afterAll(async () => {
  events?.close();
  await proxy?.stop();
  await Promise.all([...ases.values()].map((as) => as.stop()));
  await down?.stop();
  if (dir) await removeTmpDir(dir);
});

/** What a scenario recorded; rethrows its driver's error. */
function outcome(name: string): Record<string, any> {
  if (failures.has(name)) throw failures.get(name);
  return observed.get(name)!;
}

/** The audit every scenario passes (support/refresh-audit.ts), on this run's logs. */
function expectHonestAndSpaced(name: string, options: { allReachAs?: boolean } = {}) {
  const sides = { lines: proxy.logLines(), log: logOf(name), minIntervalMs: MIN_INTERVAL_MS };
  auditRefreshes(name, sides, options);
}

describe('token endpoint faults (real serve process, OAuth test servers)', () => {
  it('HTTP 500: failed_server_error, degraded while the token is valid, retried 10 s later, recovers when healed', () => {
    const o = outcome('e500');
    expect(o.failed).toMatchObject({ result: 'failed_server_error', retry_count: 1 });
    expectDegraded(o.afterFailure, /HTTP 500/);
    expectRecovered(o.recovered);
    expectHonestAndSpaced('e500');
  });

  it('HTTP 503 with Retry-After in seconds: the next attempt waits the longer Retry-After (15 s), not 10 s', () => {
    const o = outcome('e503s');
    expect(o.failed.result).toBe('failed_server_error');
    expect(o.failed.error).toMatch(/HTTP 503 \(retry after 15s\)/);
    expectDegraded(o.afterFailure, /HTTP 503/);
    const [failed] = refreshRequests(logOf('e503s'));
    const [, nextStart] = attemptStarts(logOf('e503s'));
    expect(failed!.status).toBe(503);
    expect(nextStart! - Date.parse(failed!.at)).toBeGreaterThanOrEqual(
      15_000 - SLACK.attemptArrivalMs,
    );
    expect(Date.parse(o.failed.next_retry_at) - Date.parse(failed!.at)).toBeGreaterThanOrEqual(
      14_000,
    );
    expectRecovered(o.recovered);
    expectHonestAndSpaced('e503s');
  });

  it('HTTP 503 with Retry-After as an HTTP date: no attempt before that date', () => {
    const o = outcome('e503d');
    expect(o.failed.result).toBe('failed_server_error');
    expectDegraded(o.afterFailure, /HTTP 503 \(retry after \d+s\)/);
    const [failed, next] = refreshRequests(logOf('e503d'));
    expect(failed!.status).toBe(503);
    expect(Date.parse(next!.at)).toBeGreaterThanOrEqual(Date.parse(o.date));
    expectRecovered(o.recovered);
    expectHonestAndSpaced('e503d');
  });

  it('malformed JSON: failed_other with a clear error, backoff, recovers when healed', () => {
    const o = outcome('malformed');
    expect(o.failed.result).toBe('failed_other');
    expectDegraded(o.afterFailure, /malformed JSON/);
    expectRecovered(o.recovered);
    expectHonestAndSpaced('malformed');
  });

  it('an HTML error page (HTTP 500, text/html): a server error, not a token; recovers when healed', () => {
    const o = outcome('html');
    expect(o.failed.result).toBe('failed_server_error');
    expectDegraded(o.afterFailure, /HTTP 500/);
    expectRecovered(o.recovered);
    expectHonestAndSpaced('html');
  });

  it('a token without expires_in is not refreshed proactively; a 401 triggers exactly one refresh, which the refused call waits for', () => {
    const o = outcome('noexp');
    expect(o.afterRefresh).toMatchObject({
      state: 'authenticated.refreshScheduled',
      token_expires_at: null,
    });
    expect(o.afterRefresh.oauth.refresh_at).toBeNull();
    expect(o.afterRefresh.health.level).toBe('healthy');
    expect(o.refreshesBefore401).toBe(1);
    expect(o.through401.isError).toBeFalsy();
    expect(textOf(o.through401)).toBe('during 401');
    expect(o.accepted.isError).toBeFalsy();
    expect(textOf(o.accepted)).toBe('after refresh');
    expect(o.refreshesAfter).toBe(2);
    expectHonestAndSpaced('noexp');
  });

  it('an already-expired token is refreshed again only after the 10 s minimum interval', () => {
    const o = outcome('expired');
    expect(Date.parse(o.first.expires_at)).toBeLessThanOrEqual(Date.now());
    expectHonestAndSpaced('expired');
    const [expired, next] = refreshRequests(logOf('expired'));
    const [expiredStart, nextStart] = attemptStarts(logOf('expired'));
    expect(expired!.injected).toBe('expired_token');
    expect(issuedToken(next!)).toBe(true);
    expect(nextStart! - expiredStart!).toBeGreaterThanOrEqual(
      MIN_INTERVAL_MS - SLACK.attemptArrivalMs,
    );
    expectRecovered(o.recovered);
  });

  it('flaky (every 3rd token request fails): each failure backs off, the next success recovers', () => {
    const o = outcome('flaky');
    expect(o.failed.result).toBe('failed_server_error');
    expectDegraded(o.afterFailure, /HTTP 500/);
    expect(
      refreshRequests(logOf('flaky'))
        .slice(0, 3)
        .map((e) => e.status),
    ).toEqual([200, 500, 200]);
    expectRecovered(o.recovered);
    expectHonestAndSpaced('flaky');
  });

  it('a slow token endpoint (3 s) is waited for: one request, healthy throughout, no duplicate attempt', () => {
    const o = outcome('slow');
    const requests = refreshRequests(logOf('slow'));
    expect(requests[0]).toMatchObject({ status: 200, injected: 'slow' });
    expect(requests[0]!.duration_ms).toBeGreaterThanOrEqual(3000);
    const states = events.states('slow');
    expect(states.map((s) => s.state)).toContain('authenticated.refreshing');
    expect(
      states.every((s) => !s.state.startsWith('degraded') && !s.state.startsWith('retrying')),
    ).toBe(true);
    expect(
      states
        .filter((s) => s.state.startsWith('authenticated'))
        .every((s) => s.health.level === 'healthy'),
    ).toBe(true);
    expectRecovered(o.after);
    expectHonestAndSpaced('slow');
  });

  it('invalid_grant: loginRequired at once, no retries while parked, a login recovers', () => {
    const o = outcome('dead');
    expect(o.failed).toMatchObject({ result: 'failed_invalid_grant', next_retry_at: null });
    expect(o.parked).toMatchObject({ state: 'loginRequired', oauth_status: 'login_required' });
    expect(o.parked.health).toMatchObject({
      level: 'unhealthy',
      summary: 'Login required',
      action: 'login',
    });
    expect(o.parked.health.detail).toMatch(/invalid_grant/);
    expect(o.refreshesWhileParked).toBe(1);
    expect(o.loggedIn.health.level).toBe('healthy');
    const failed = linesFor(proxy.logLines(), 'dead', 'OAuth token refresh failed');
    expect(failed.map((l) => l.result)).toEqual(['failed_invalid_grant']);
    expectHonestAndSpaced('dead');
  });

  it('AS down (process killed) then restarted: failed_network, degraded, recovers without a login', () => {
    const o = outcome('down');
    expect(o.failed.result).toBe('failed_network');
    expect(o.failed.error).toMatch(/connection refused/);
    expectDegraded(o.afterFailure, /connection refused/);
    expectRecovered(o.recovered);
    expect(down.log().filter((e) => e.path === '/authorize').length).toBe(o.authorizeBefore);
    expect(linesFor(proxy.logLines(), 'down', 'OAuth login required').length).toBe(1); // the initial one
    expectHonestAndSpaced('down', { allReachAs: false });
    expect(down.log().every((e) => !e.reused_refresh_token)).toBe(true);
  });

  it('the daemon stayed up through every fault', async () => {
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    expect(proxy.child.exitCode).toBeNull();
  });
});
