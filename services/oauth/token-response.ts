/**
 * @module Token endpoint answers as mcpproxy stores them: what the AS returned, unchanged (the
 * SDK's parse drops unknown fields such as `refresh_token_expires_in`), stamped with `issuer`.
 */
import type { OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { TokenRecord, TokenResponse } from '../../machines/upstream/token-record.js';

/**
 * Merges the SDK-validated tokens over the raw JSON body. A refresh token the SDK copied from
 * the request (none came back) is dropped, so `withTokens` keeps the old one knowingly.
 */
export function tokenResponseOf(parsed: OAuthTokens, raw: unknown, issuer: string): TokenResponse {
  const body = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  const merged: TokenResponse = { ...(body as Record<string, unknown>), ...parsed, issuer };
  if (!('refresh_token' in body) && Object.keys(body).length > 0) delete merged.refresh_token;
  return merged;
}

/** Whether a record holds an access token that has not expired at `now`. */
export function hasUsableAccessToken(record: TokenRecord | null, now: number): boolean {
  if (!record?.tokens?.access_token) return false;
  return record.expires_at === null || record.expires_at > now;
}
