/**
 * @module Reading the OAuth test server's request log in e2e assertions: token requests by
 * grant, authorization requests, and the spacing between refresh attempts.
 */
import { createHash } from 'node:crypto';
import type { OAuthTestServer, RequestLogEntry } from '../../oauthserver/index.js';

/** The first 12 hex digits of sha256(token), as the test server logs it. */
export const fingerprint = (token: string): string =>
  createHash('sha256').update(token).digest('hex').slice(0, 12);

/** Token-endpoint requests, optionally of one grant type, oldest first. */
export function tokenRequests(as: OAuthTestServer, grant?: string): RequestLogEntry[] {
  return as
    .log()
    .filter((e) => e.path === '/token' && (grant === undefined || e.grant_type === grant));
}

/** Refresh-grant requests, oldest first. */
export const refreshRequests = (as: OAuthTestServer): RequestLogEntry[] =>
  tokenRequests(as, 'refresh_token');

/** How many authorization requests (logins) the AS has seen. */
export const authorizeCount = (as: OAuthTestServer): number =>
  as.log().filter((e) => e.path === '/authorize').length;

/** Milliseconds between consecutive entries' arrival times. */
export function gapsMs(entries: RequestLogEntry[]): number[] {
  return entries.slice(1).map((e, i) => Date.parse(e.at) - Date.parse(entries[i]!.at));
}
