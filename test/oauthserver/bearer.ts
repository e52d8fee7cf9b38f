/**
 * @module Bearer-token protection of the MCP endpoint (RFC 6750 + RFC 9728): every request's token
 * is checked against the store (also inside an existing session); failures answer 401 with a
 * `WWW-Authenticate` challenge pointing at the protected-resource metadata.
 */
import type { MiddlewareHandler } from 'hono';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { ServerContext } from './context.js';
import type { AppEnv } from './log.js';
import { fingerprint } from './state.js';

/** Hono env of the MCP routes: the validated token is `c.var.auth`. */
export type McpEnv = { Variables: AppEnv['Variables'] & { auth: AuthInfo } };

/** Parameters of a Bearer challenge. */
export interface ChallengeParams {
  error?: 'invalid_token' | 'insufficient_scope';
  description?: string;
  scope?: string;
}

/** The `WWW-Authenticate` value: `Bearer [error, error_description,] resource_metadata[, scope]`. */
export function bearerChallenge(ctx: ServerContext, params: ChallengeParams = {}): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error="${params.error}"`);
  if (params.description)
    parts.push(`error_description="${params.description.replace(/"/g, "'")}"`);
  parts.push(`resource_metadata="${ctx.urls.resourceMetadataUrl}"`);
  if (params.scope) parts.push(`scope="${params.scope}"`);
  return `Bearer ${parts.join(', ')}`;
}

type Validation = { ok: true; auth: AuthInfo } | { ok: false; description: string };

/** Checks an access token: known, grant not revoked, not expired. */
export function validateAccessToken(ctx: ServerContext, token: string): Validation {
  const record = ctx.store.accessTokens.get(token);
  if (!record) return { ok: false, description: 'unknown access token' };
  const grant = ctx.store.liveGrant(record.grantId);
  if (!grant) return { ok: false, description: 'access token revoked' };
  if (record.expiresAt <= ctx.now()) return { ok: false, description: 'access token expired' };
  return {
    ok: true,
    auth: {
      // Handlers see a fingerprint, never the token itself.
      token: fingerprint(token),
      clientId: grant.clientId,
      scopes: record.scopes,
      expiresAt: Math.floor(record.expiresAt / 1000),
      resource: new URL(grant.resource),
    },
  };
}

/** Middleware: a valid Bearer token or a 401 challenge. */
export function requireBearer(ctx: ServerContext): MiddlewareHandler<McpEnv> {
  return async function requireBearer(c, next) {
    const entry = c.var.logEntry;
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const scope = ctx.options.scopeInChallenge ? ctx.options.defaultScopes.join(' ') : undefined;
    if (!match) {
      c.header('WWW-Authenticate', bearerChallenge(ctx, { scope }));
      return c.json({ error: 'unauthorized', error_description: 'Bearer token required' }, 401);
    }
    entry.access_token_fp = fingerprint(match[1]);
    const result = validateAccessToken(ctx, match[1]);
    if (!result.ok) {
      entry.error = 'invalid_token';
      const challenge = { error: 'invalid_token' as const, description: result.description, scope };
      c.header('WWW-Authenticate', bearerChallenge(ctx, challenge));
      return c.json({ error: 'invalid_token', error_description: result.description }, 401);
    }
    entry.client_id = result.auth.clientId;
    c.set('auth', result.auth);
    await next();
  };
}
