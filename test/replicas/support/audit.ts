/**
 * @module What the authorization server saw, judged for the replica tests: refresh requests,
 * reused refresh tokens, `invalid_grant` answers, logins, revoked grants, and whether every
 * rotation was redeemed exactly once — matched against what the replicas claim in their logs.
 */
import type { RequestLogEntry } from '../../oauthserver/index.js';
import type { Replica } from './cluster.js';

/** Refresh-grant requests at the token endpoint, oldest first. */
export const refreshRequests = (log: RequestLogEntry[]) =>
  log.filter((e) => e.path === '/token' && e.grant_type === 'refresh_token');

/** Refresh requests answered with new tokens. */
export const redemptions = (log: RequestLogEntry[]) =>
  refreshRequests(log).filter((e) => e.status === 200 && e.issued_access_token_fp !== undefined);

/** Token requests answered `invalid_grant` (any grant). */
export const invalidGrants = (log: RequestLogEntry[]) =>
  log.filter((e) => e.path === '/token' && e.error === 'invalid_grant');

/** Refresh requests that presented a refresh token already retired by rotation. */
export const reusedRefreshTokens = (log: RequestLogEntry[]) =>
  refreshRequests(log).filter((e) => e.reused_refresh_token === true);

/** Authorization requests: one per browser login. */
export const logins = (log: RequestLogEntry[]) => log.filter((e) => e.path === '/authorize');

/** Refresh-token fingerprints presented more than once (`counted` decides which requests count). */
export function presentedTwice(
  log: RequestLogEntry[],
  counted: (e: RequestLogEntry) => boolean = () => true,
): string[] {
  const seen = new Map<string, number>();
  for (const e of refreshRequests(log).filter(counted)) {
    if (e.refresh_token_fp) seen.set(e.refresh_token_fp, (seen.get(e.refresh_token_fp) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([fp, n]) => `${fp} ×${n}`);
}

/**
 * Checks that each client's redemptions form one unbroken rotation chain: every redemption
 * presents the refresh token the previous one issued (the first one presents the login's).
 * Answers the breaks, described.
 */
export function chainBreaks(log: RequestLogEntry[]): string[] {
  const issued = new Map<string, string>(); // client → newest refresh token fp
  const breaks: string[] = [];
  for (const e of log) {
    if (e.path !== '/token' || e.status !== 200 || !e.client_id) continue;
    if (e.grant_type === 'refresh_token') {
      const expected = issued.get(e.client_id);
      if (expected !== undefined && e.refresh_token_fp !== expected) {
        breaks.push(
          `${e.at} ${e.client_id}: presented ${e.refresh_token_fp}, newest was ${expected}`,
        );
      }
    }
    if (e.issued_refresh_token_fp) issued.set(e.client_id, e.issued_refresh_token_fp);
  }
  return breaks;
}

type Line = Record<string, unknown>;

/** The replica's log lines with message `msg` (all servers). */
export const linesWith = (replica: Replica, msg: string): Line[] =>
  replica.proxy.logLines().filter((l) => l.msg === msg);

/** How many refreshes each replica says it redeemed ("OAuth token refresh succeeded"). */
export function redeemedBy(replicas: Replica[]): Record<string, number> {
  return Object.fromEntries(
    replicas.map((r) => [r.id, linesWith(r, 'OAuth token refresh succeeded').length]),
  );
}

/** Lines of every replica at warn level or above, except the expected ones, described. */
export function unexpectedWarnings(replicas: Replica[], expected: RegExp[] = []): string[] {
  return replicas.flatMap((r) =>
    r.proxy
      .logLines()
      .filter((l) =>
        typeof l.level === 'number' ? l.level >= 40 : /warn|error|fatal/.test(String(l.level)),
      )
      .filter((l) => !expected.some((re) => re.test(String(l.msg))))
      .map(
        (l) =>
          `${r.id}: ${String(l.msg)} ${JSON.stringify({ server: l.server, error: l.error ?? l.err })}`,
      ),
  );
}

/**
 * The longest time between two consecutive redemptions of one client (one server) among
 * `entries` — how long a server went without a fresh token. 0 with fewer than two.
 */
export function longestRotationGapMs(entries: RequestLogEntry[]): number {
  const last = new Map<string, number>();
  let longest = 0;
  for (const e of redemptions(entries)) {
    const at = Date.parse(e.at);
    const before = last.get(e.client_id ?? '');
    if (before !== undefined) longest = Math.max(longest, at - before);
    last.set(e.client_id ?? '', at);
  }
  return longest;
}
