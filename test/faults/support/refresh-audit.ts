/**
 * @module Audits of one server's refreshes from the two sides that cannot lie to each other: the
 * authorization server's request log (what arrived, when, what was issued) and the proxy's JSON
 * log lines (what it claimed). Used to prove "at most one attempt per min_interval" and "never
 * logs succeeded for a failure".
 */
import type { RequestLogEntry } from '../../oauthserver/index.js';

/** Token-endpoint requests of the refresh grant, oldest first. */
export function refreshRequests(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((e) => e.path === '/token' && e.grant_type === 'refresh_token');
}

/** Whether the token endpoint answered this request with a new access token. */
export function issuedToken(entry: RequestLogEntry): boolean {
  return entry.status === 200 && entry.issued_access_token_fp !== undefined;
}

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
