/**
 * @module Dynamic client registration (RFC 7591) at `/register`: public clients
 * (`token_endpoint_auth_method: none`) and confidential ones (client_secret_post / _basic).
 */
import { Hono } from 'hono';
import type { ServerContext } from './context.js';
import { OAuthError } from './errors.js';
import type { AppEnv } from './log.js';
import { randomToken } from './state.js';
import type { Client, ClientAuthMethod } from './state.js';

const AUTH_METHODS: readonly ClientAuthMethod[] = [
  'none',
  'client_secret_post',
  'client_secret_basic',
];
const GRANT_TYPES = ['authorization_code', 'refresh_token'];
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether a redirect URI is acceptable: https, or http on a loopback host; no fragment. */
export function isAllowedRedirectUri(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.hash !== '' || value.includes('#')) return false;
  return (
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname))
  );
}

function stringList(field: string, value: unknown, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new OAuthError('invalid_client_metadata', `${field} must be an array of strings`);
  }
  return value;
}

/** Validates RFC 7591 client metadata and registers the client; throws {@link OAuthError}. */
export function registerClient(ctx: ServerContext, metadata: unknown): Client {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new OAuthError('invalid_client_metadata', 'body must be a JSON object');
  }
  const m = metadata as Record<string, unknown>;
  const redirectUris = stringList('redirect_uris', m.redirect_uris, []);
  if (redirectUris.length === 0) {
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris must list at least one URI');
  }
  const bad = redirectUris.find((uri) => !isAllowedRedirectUri(uri));
  if (bad !== undefined) {
    throw new OAuthError(
      'invalid_redirect_uri',
      `redirect URI must be https or loopback http: ${bad}`,
    );
  }
  const method = (m.token_endpoint_auth_method ?? 'client_secret_basic') as ClientAuthMethod;
  if (!AUTH_METHODS.includes(method)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `unsupported token_endpoint_auth_method ${String(method)}`,
    );
  }
  const grantTypes = stringList('grant_types', m.grant_types, GRANT_TYPES);
  const unknownGrant = grantTypes.find((g) => !GRANT_TYPES.includes(g));
  if (unknownGrant !== undefined) {
    throw new OAuthError('invalid_client_metadata', `unsupported grant type ${unknownGrant}`);
  }
  const responseTypes = stringList('response_types', m.response_types, ['code']);
  if (responseTypes.some((r) => r !== 'code')) {
    throw new OAuthError('invalid_client_metadata', 'only response_type "code" is supported');
  }
  if (m.scope !== undefined && typeof m.scope !== 'string') {
    throw new OAuthError('invalid_client_metadata', 'scope must be a string');
  }
  const unknownScope = (m.scope ?? '')
    .split(' ')
    .find((s) => s && !ctx.options.scopesSupported.includes(s));
  if (unknownScope !== undefined) {
    throw new OAuthError('invalid_client_metadata', `unsupported scope ${unknownScope}`);
  }
  return ctx.store.addClient({
    client_id: randomToken('client'),
    ...(method === 'none' ? {} : { client_secret: randomToken('secret') }),
    client_id_issued_at: Math.floor(ctx.now() / 1000),
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
    ...(typeof m.client_name === 'string' ? { client_name: m.client_name } : {}),
    ...(m.scope ? { scope: m.scope } : {}),
  });
}

/** The RFC 7591 registration response for a client. */
export function registrationResponse(client: Client): Record<string, unknown> {
  return {
    ...client,
    ...(client.client_secret !== undefined ? { client_secret_expires_at: 0 } : {}),
  };
}

/** `POST /register`. */
export function registerRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/register', async (c) => {
    const injected = ctx.fail.check('register');
    try {
      if (injected) {
        c.var.logEntry.injected = injected.mode;
        throw new OAuthError(
          'invalid_client_metadata',
          'registration refused (fail mode register_refused)',
        );
      }
      const body: unknown = await c.req.json().catch(() => undefined);
      const client = registerClient(ctx, body);
      c.var.logEntry.client_id = client.client_id;
      return c.json(registrationResponse(client), 201, { 'Cache-Control': 'no-store' });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      c.var.logEntry.error = error.code;
      return error.toResponse();
    }
  });
  return app;
}
