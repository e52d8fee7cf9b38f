/**
 * @module The authorization endpoint `/authorize`: auto-approves (no UI) a valid request and
 * redirects with `code`, `state` and `iss` (RFC 9207). PKCE S256 is required; `resource` (RFC 8707)
 * must be the MCP URL. Errors go back to a valid redirect URI, else to a 400 page.
 */
import { Hono } from 'hono';
import type { ServerContext } from './context.js';
import type { AppEnv } from './log.js';
import { parseScope, scopesOutside } from './scopes.js';
import { randomToken } from './state.js';

const CODE_TTL_MS = 60_000;
const SINGLE_PARAMS = ['client_id', 'redirect_uri', 'response_type', 'state', 'scope'];
const SINGLE_PARAMS_PKCE = ['code_challenge', 'code_challenge_method', 'resource'];

type AuthorizeError =
  | 'invalid_request'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied';

function errorPage(message: string): Response {
  const safe = message.replace(/[<>&"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const html = `<!doctype html><title>Authorization error</title><h1>Authorization error</h1><p>${safe}</p>`;
  return new Response(html, {
    status: 400,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
  });
}

/** Whether two resource indicators name the same URL. */
function sameResource(a: string, b: string): boolean {
  return URL.canParse(a) && new URL(a).href === new URL(b).href;
}

/** `GET /authorize`. */
export function authorizeRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/authorize', (c) => {
    const q = c.req.query();
    const entry = c.var.logEntry;
    const client = q.client_id ? ctx.store.clients.get(q.client_id) : undefined;
    if (!client) return errorPage('Unknown or missing client_id.');
    entry.client_id = client.client_id;
    const only = client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined;
    const redirectUri = q.redirect_uri ?? only;
    if (redirectUri === undefined || !client.redirect_uris.includes(redirectUri)) {
      return errorPage('redirect_uri is missing or not registered for this client.');
    }

    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      target.searchParams.set('iss', ctx.urls.issuer);
      return c.redirect(target.href, 302);
    };
    const fail = (error: AuthorizeError, description: string) => {
      entry.error = error;
      return back({ error, error_description: description });
    };

    const repeated = [...SINGLE_PARAMS, ...SINGLE_PARAMS_PKCE].find(
      (name) => (c.req.queries(name)?.length ?? 0) > 1,
    );
    if (repeated) return fail('invalid_request', `parameter ${repeated} repeated`);
    if (q.response_type !== 'code') {
      return fail('unsupported_response_type', 'response_type must be "code"');
    }
    if (!q.code_challenge) return fail('invalid_request', 'code_challenge required (PKCE)');
    if (q.code_challenge_method !== 'S256') {
      return fail('invalid_request', 'code_challenge_method must be S256');
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) {
      return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 chars)');
    }
    if (q.resource !== undefined && !sameResource(q.resource, ctx.urls.mcpUrl)) {
      return fail('invalid_target', `resource must be ${ctx.urls.mcpUrl}`);
    }
    const requested = parseScope(q.scope ?? client.scope);
    const unknown = scopesOutside(requested, ctx.options.scopesSupported);
    if (unknown.length > 0) return fail('invalid_scope', `unknown scope ${unknown.join(' ')}`);
    const injected = ctx.fail.check('authorize');
    if (injected) {
      entry.injected = injected.mode;
      return fail('access_denied', 'the user denied the request (fail mode access_denied)');
    }

    const code = randomToken('code');
    ctx.store.codes.set(code, {
      clientId: client.client_id,
      redirectUri,
      codeChallenge: q.code_challenge,
      scopes: requested.length > 0 ? requested : ctx.options.defaultScopes,
      resource: ctx.urls.mcpUrl,
      expiresAt: ctx.now() + CODE_TTL_MS,
      used: false,
    });
    return back({ code });
  });
  return app;
}
