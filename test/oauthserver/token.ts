/**
 * @module The token endpoint `/token`: form parsing, request-log annotation (fingerprints only),
 * error injection, client authentication, the grant, and the RFC 6749 §5.1 answer.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { authenticateClient, readClientCredentials } from './client-auth.js';
import type { ServerContext } from './context.js';
import { OAuthError } from './errors.js';
import type { FailMode } from './fail.js';
import { injectTokenFailure } from './fail-responses.js';
import { redeemCode, redeemRefreshToken } from './grants.js';
import type { IssuedTokens, IssueTweaks } from './grants.js';
import type { AppEnv } from './log.js';
import { fingerprint } from './state.js';
import type { Client } from './state.js';

async function readForm(c: Context<AppEnv>): Promise<URLSearchParams> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'body must be application/x-www-form-urlencoded');
  }
  return new URLSearchParams(await c.req.text());
}

/** The RFC 6749 §5.1 success body, shaped by the options and a success-changing fail mode. */
function tokenBody(ctx: ServerContext, tokens: IssuedTokens, mode?: FailMode) {
  const now = ctx.now();
  const body: Record<string, unknown> = {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.round((tokens.accessExpiresAt - now) / 1000)),
  };
  if (mode === 'no_expires_in') delete body.expires_in;
  if (tokens.refreshToken !== undefined) {
    body.refresh_token = tokens.refreshToken;
    if (ctx.options.refreshTokenLifetimeInResponse && tokens.refreshExpiresAt !== null) {
      body.refresh_token_expires_in = Math.max(
        0,
        Math.round((tokens.refreshExpiresAt - now) / 1000),
      );
    }
  }
  body.scope = tokens.scopes.join(' ');
  return body;
}

function redeem(
  ctx: ServerContext,
  grantType: string | undefined,
  ...args: [Client, URLSearchParams, IssueTweaks]
): IssuedTokens {
  switch (grantType) {
    case 'authorization_code':
      return redeemCode(ctx, ...args);
    case 'refresh_token':
      return redeemRefreshToken(ctx, ...args);
    case undefined:
      throw new OAuthError('invalid_request', 'grant_type is required');
    default:
      throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
}

/** `POST /token`. */
export function tokenRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/token', async (c) => {
    const entry = c.var.logEntry;
    const credentials = readClientCredentials(c.req.header('authorization'), new URLSearchParams());
    const basic = credentials.method === 'client_secret_basic';
    try {
      const params = await readForm(c);
      const grantType = params.get('grant_type') ?? undefined;
      const claimed = basic ? credentials : readClientCredentials(undefined, params);
      entry.grant_type = grantType;
      entry.client_id = claimed.clientId;
      const presented = grantType === 'refresh_token' ? params.get('refresh_token') : null;
      if (presented) entry.refresh_token_fp = fingerprint(presented);

      const injected = ctx.fail.check('token', grantType);
      if (injected) entry.injected = injected.mode;
      const failure = injected ? await injectTokenFailure(ctx, c, injected) : undefined;
      // Judged after any injected delay: of two overlapping requests, the later one is the reuse.
      if (presented) {
        entry.reused_refresh_token =
          ctx.store.refreshTokens.get(presented)?.rotatedAt !== undefined;
      }
      if (failure) return failure;

      const client = authenticateClient(ctx, claimed, params);
      const tweaks = { expiredAccessToken: injected?.mode === 'expired_token' };
      const tokens = redeem(ctx, grantType, client, params, tweaks);

      entry.issued_access_token_fp = fingerprint(tokens.accessToken);
      if (tokens.refreshToken !== undefined && tokens.refreshToken !== presented) {
        entry.issued_refresh_token_fp = fingerprint(tokens.refreshToken);
      }
      return c.json(tokenBody(ctx, tokens, injected?.mode), 200, {
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
      });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      entry.error = error.code;
      return error.toResponse(basic);
    }
  });
  return app;
}
