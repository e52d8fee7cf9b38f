/**
 * @module Audits of one server's refreshes from the two sides that cannot lie to each other: the
 * authorization server's request log (what arrived, when, what was issued) and the proxy's JSON
 * log lines (what it claimed). Used to prove "at most one attempt per min_interval" and "never
 * logs succeeded for a failure".
 */
import { expect } from 'vitest';
import type { RequestLogEntry } from '../../oauthserver/index.js';

/**
 * Tolerances of spacing checks, each with its reason. The proxy schedules every attempt at least
 * `min_interval_s` after the previous one began (its `lastAttemptAt`); what the checks see is
 * shifted by:
 * - proxy log times: the "attempt" line is written when the actor's new snapshot is observed,
 *   after the transition's other work (starting the refresh actor, stopping timers), and in wall
 *   clock while timers run on the monotonic clock; a GC pause or a busy CPU moves one line by
 *   tens of ms;
 * - AS arrival of an attempt: the proxy's own work before the first request (budget, lease write,
 *   store read) varies from attempt to attempt, by up to a few hundred ms on a saturated machine.
 * Observed worst cases (flaky soaks at load average 20-24 on 2 cores): 39 ms and 345 ms.
 */
export const SLACK = { proxyClockMs: 50, attemptArrivalMs: 500 } as const;

/** The smallest gaps between one server's refresh attempts, seen three ways. */
export interface Spacing {
  /** Between attempts as they reached the AS (discovery or token request). */
  asAttemptMs: number;
  /** Between token requests only. */
  asTokenMs: number;
  /** Between the proxy's "OAuth token refresh attempt" log lines. */
  proxyMs: number;
}

/** Measures the spacing of `server`'s attempts from the AS log and the proxy's log lines. */
export function spacing(log: RequestLogEntry[], lines: LogLine[], server: string): Spacing {
  return {
    asAttemptMs: minGap(attemptStarts(log)),
    asTokenMs: minGap(arrivals(refreshRequests(log))),
    proxyMs: minGap(attemptTimes(lines, server)),
  };
}

/**
 * Whether attempts are at least `minIntervalMs` apart, at the AS (attempt arrivals) and in the
 * proxy's log, less their tolerances. Token requests alone are reported, not judged: a first
 * refresh that discovers (three round trips) can trail its attempt by seconds on a saturated
 * machine, so the gap to the next, cached one looks short although the attempts were not.
 */
export function spacedBy(s: Spacing, minIntervalMs: number): boolean {
  return (
    s.asAttemptMs >= minIntervalMs - SLACK.attemptArrivalMs &&
    s.proxyMs >= minIntervalMs - SLACK.proxyClockMs
  );
}

/** Token-endpoint requests of the refresh grant, oldest first. */
export function refreshRequests(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((e) => e.path === '/token' && e.grant_type === 'refresh_token');
}

/** Whether the token endpoint answered this request with a new access token. */
export function issuedToken(entry: RequestLogEntry): boolean {
  return entry.status === 200 && entry.issued_access_token_fp !== undefined;
}

/**
 * When each refresh attempt reached the AS: the token request, or the discovery requests right
 * before it when the attempt re-discovered (after a failure the discovery cache is dropped, so
 * that attempt's token request leaves later than the attempt began). Attempts are spaced on
 * this clock; token requests alone can look closer by the earlier attempt's discovery time.
 */
export function attemptStarts(log: RequestLogEntry[]): number[] {
  const starts: number[] = [];
  let previousToken = -Infinity;
  let discovery: number | null = null;
  for (const entry of log) {
    const at = Date.parse(entry.at);
    if (entry.path.startsWith('/.well-known/')) {
      if (discovery === null && at > previousToken) discovery = at;
    } else if (entry.path === '/token' && entry.grant_type === 'refresh_token') {
      const start = discovery !== null && at - discovery < DISCOVERY_WINDOW_MS ? discovery : at;
      starts.push(start);
      previousToken = at;
      discovery = null;
    } else if (entry.path === '/token') {
      previousToken = at;
      discovery = null;
    }
  }
  return starts;
}

/** Discovery requests this close before a token request belong to its attempt. */
const DISCOVERY_WINDOW_MS = 3000;

/** Arrival times (ms) of the entries. */
export function arrivals(entries: RequestLogEntry[]): number[] {
  return entries.map((e) => Date.parse(e.at));
}

/** The gaps between consecutive times, in ms. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

/** The smallest gap between consecutive times (Infinity for fewer than two). */
export function minGap(times: number[]): number {
  return Math.min(Infinity, ...gaps(times));
}

type LogLine = Record<string, unknown>;

/** The proxy's log lines with message `msg` for `server`. */
export function linesFor(lines: LogLine[], server: string, msg: string): LogLine[] {
  return lines.filter((l) => l.server === server && l.msg === msg);
}

/** A log line's time in ms (pino writes ISO strings here, epoch ms by default). */
export function timeOf(line: LogLine): number {
  return typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
}

/** Times (ms) of the proxy's "OAuth token refresh attempt" lines for `server`. */
export function attemptTimes(lines: LogLine[], server: string): number[] {
  return linesFor(lines, server, 'OAuth token refresh attempt').map((l) => timeOf(l));
}

/** A summary that reads well in an assertion failure. */
export function describeRefreshes(log: RequestLogEntry[]): string {
  return refreshRequests(log)
    .map(
      (e) =>
        `${e.at} ${e.status}${e.injected ? ` (${e.injected})` : ''}${e.error ? ` ${e.error}` : ''}`,
    )
    .join('\n');
}

/**
 * The audit every fault scenario passes: "succeeded" logged once per answer that carried a
 * token (and, when every attempt reached the AS, "failed" once per other answer), and never two
 * attempts closer than `minIntervalMs`, seen from both sides.
 */
export function expectHonestAndSpaced(
  server: string,
  sides: { lines: LogLine[]; log: RequestLogEntry[]; minIntervalMs: number },
  options: { allReachAs?: boolean } = {},
): void {
  const { lines, log } = sides;
  const requests = refreshRequests(log);
  const summary = `${server} refreshes:\n${describeRefreshes(log)}`;
  const succeeded = linesFor(lines, server, 'OAuth token refresh succeeded');
  expect(succeeded.length, summary).toBe(requests.filter(issuedToken).length);
  if (options.allReachAs !== false) {
    const failed = linesFor(lines, server, 'OAuth token refresh failed');
    expect(failed.length, summary).toBe(requests.filter((e) => !issuedToken(e)).length);
  }
  const spaced = spacing(log, lines, server);
  expect(spacedBy(spaced, sides.minIntervalMs), `${summary}\n${JSON.stringify(spaced)}`).toBe(true);
}
