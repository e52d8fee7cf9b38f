/**
 * @module The two grants of the token endpoint: `authorization_code` (single use, PKCE S256,
 * redirect URI, client and resource checked) and `refresh_token` (optional rotation with RFC 9700
 * reuse detection: a retired refresh token presented again revokes the whole grant).
 */
import { createHash } from 'node:crypto';
import type { ServerContext } from './context.js';
import { OAuthError } from './errors.js';
import { parseScope, scopesOutside } from './scopes.js';
import type { Client, Grant } from './state.js';

/** What a successful grant issued; times in epoch milliseconds. */
export interface IssuedTokens {
  accessToken: string;
  accessExpiresAt: number;
  scopes: string[];
  /** Absent when a refresh answers without a refresh token. */
  refreshToken?: string;
  refreshExpiresAt: number | null;
}

/** Per-request tweaks from fail modes. */
export interface IssueTweaks {
  /** `expired_token`: the access token is expired on issue. */
  expiredAccessToken?: boolean;
}

function checkResource(ctx: ServerContext, params: URLSearchParams, expected: string): void {
  const resource = params.get('resource');
  if (resource === null) return;
  if (!URL.canParse(resource) || new URL(resource).href !== new URL(expected).href) {
    throw new OAuthError('invalid_target', `resource must be ${ctx.urls.mcpUrl}`);
  }
}

function requireGrantType(client: Client, grantType: string): void {
  if (!client.grant_types.includes(grantType)) {
    throw new OAuthError('unauthorized_client', `client is not registered for ${grantType}`);
  }
}

function issueAccess(ctx: ServerContext, grant: Grant, scopes: string[], tweaks: IssueTweaks) {
  const now = ctx.now();
  const expiresAt = tweaks.expiredAccessToken ? now : now + ctx.options.accessTokenTtlS * 1000;
  return { accessToken: ctx.store.issueAccessToken(grant.id, scopes, expiresAt), expiresAt };
}

function refreshExpiry(ctx: ServerContext): number | null {
  const ttl = ctx.options.refreshTokenTtlS;
  return ttl === null ? null : ctx.now() + ttl * 1000;
}

/** Redeems an authorization code; creates the grant and its first token pair. */
export function redeemCode(
  ctx: ServerContext,
  client: Client,
  params: URLSearchParams,
  tweaks: IssueTweaks = {},
): IssuedTokens {
  requireGrantType(client, 'authorization_code');
  const code = params.get('code');
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  const record = ctx.store.codes.get(code);
  if (!record) throw new OAuthError('invalid_grant', 'unknown authorization code');
  if (record.used) {
    // RFC 6749 §4.1.2: a replayed code revokes what it produced.
    if (record.grantId)
      ctx.store.revokeGrant(record.grantId, 'authorization code replayed', ctx.now());
    throw new OAuthError('invalid_grant', 'authorization code already used');
  }
  record.used = true;
  if (record.expiresAt <= ctx.now())
    throw new OAuthError('invalid_grant', 'authorization code expired');
  if (record.clientId !== client.client_id) {
    throw new OAuthError('invalid_grant', 'authorization code was issued to another client');
  }
  const redirectUri = params.get('redirect_uri');
  if (redirectUri !== record.redirectUri) {
    throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
  const verifier = params.get('code_verifier');
  if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || challenge !== record.codeChallenge) {
    throw new OAuthError('invalid_grant', 'PKCE verification failed');
  }
  checkResource(ctx, params, record.resource);

  const grant = ctx.store.createGrant(client.client_id, record.scopes, record.resource, ctx.now());
  record.grantId = grant.id;
  const access = issueAccess(ctx, grant, grant.scopes, tweaks);
  const refreshExpiresAt = refreshExpiry(ctx);
  return {
    accessToken: access.accessToken,
    accessExpiresAt: access.expiresAt,
    scopes: grant.scopes,
    refreshToken: ctx.store.issueRefreshToken(grant.id, refreshExpiresAt),
    refreshExpiresAt,
  };
}

/** Redeems a refresh token: a new access token, and with rotation a new refresh token. */
export function redeemRefreshToken(
  ctx: ServerContext,
  client: Client,
  params: URLSearchParams,
  tweaks: IssueTweaks = {},
): IssuedTokens {
  requireGrantType(client, 'refresh_token');
  const presented = params.get('refresh_token');
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token is required');
  const record = ctx.store.refreshTokens.get(presented);
  if (!record) throw new OAuthError('invalid_grant', 'unknown refresh token');
  const grant = ctx.store.grants.get(record.grantId);
  if (!grant || grant.clientId !== client.client_id) {
    throw new OAuthError('invalid_grant', 'refresh token was issued to another client');
  }
  if (record.rotatedAt !== undefined) {
    const { reuseDetection } = ctx.options;
    if (reuseDetection) ctx.store.revokeGrant(grant.id, 'refresh token reuse detected', ctx.now());
    const consequence = reuseDetection ? '; the grant is revoked' : '';
    throw new OAuthError('invalid_grant', `refresh token already used (rotated)${consequence}`);
  }
  if (grant.revokedAt !== undefined) {
    throw new OAuthError('invalid_grant', `grant revoked: ${grant.revokedReason ?? 'revoked'}`);
  }
  if (record.expiresAt !== null && record.expiresAt <= ctx.now()) {
    throw new OAuthError('invalid_grant', 'refresh token expired');
  }
  const requested = parseScope(params.get('scope') ?? undefined);
  const extra = scopesOutside(requested, grant.scopes);
  if (extra.length > 0) {
    throw new OAuthError('invalid_scope', `scope exceeds the grant: ${extra.join(' ')}`);
  }
  checkResource(ctx, params, grant.resource);

  const scopes = requested.length > 0 ? requested : grant.scopes;
  const access = issueAccess(ctx, grant, scopes, tweaks);
  const issued = { accessToken: access.accessToken, accessExpiresAt: access.expiresAt, scopes };
  if (ctx.options.rotateRefreshTokens) {
    record.rotatedAt = ctx.now();
    const refreshExpiresAt = refreshExpiry(ctx);
    const refreshToken = ctx.store.issueRefreshToken(grant.id, refreshExpiresAt);
    return { ...issued, refreshToken, refreshExpiresAt };
  }
  if (ctx.options.omitRefreshTokenOnRefresh) {
    return { ...issued, refreshExpiresAt: record.expiresAt };
  }
  return { ...issued, refreshToken: presented, refreshExpiresAt: record.expiresAt };
}
