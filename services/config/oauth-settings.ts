/** @module The `oauth` block of a server entry: client, scopes, pinned redirect URI, extras. */
import type { OAuthSettings } from './config.types.js';
import { own, readString, readStringMap, warnUnknownKeys } from './fields.js';
import type { Fields } from './fields.js';
import { isLoopbackHost } from './listen.js';
import { got, isObject } from './problems.js';
import type { Problems } from './problems.js';

const KNOWN = ['client_id', 'client_secret', 'scopes', 'redirect_uri', 'extra_params'] as const;

/** Authorization-request parameters mcpproxy sets itself; `extra_params` must not override them. */
const RESERVED_PARAMS: Record<string, string> = {
  response_type: 'mcpproxy always uses the authorization code flow',
  client_id: 'use "oauth.client_id"',
  redirect_uri: 'use "oauth.redirect_uri"',
  scope: 'use "oauth.scopes"',
  state: 'mcpproxy generates it for every login',
  code_challenge: 'mcpproxy generates it (PKCE) for every login',
  code_challenge_method: 'mcpproxy always uses S256',
  resource: 'mcpproxy sends the protected resource (RFC 8707) itself',
};

/** Reads `entry.oauth`; absent or null → null (OAuth may still be discovered on a 401). */
export function parseOAuth(p: Problems, where: string, raw: unknown): OAuthSettings | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) {
    p.error(where, `"oauth" must be an object like {"scopes": ["read"]} ${got(raw)}`);
    return null;
  }
  const f: Fields = { p, where, obj: raw, prefix: 'oauth.' };
  warnUnknownKeys(f, KNOWN);
  const clientId = readString(f, 'client_id', { nonEmpty: true });
  const clientSecret = readString(f, 'client_secret', { secret: true, nonEmpty: true });
  if (clientSecret !== null && clientId === null && own(raw, 'client_id') == null) {
    p.error(
      where,
      '"oauth.client_secret" is set without "oauth.client_id": add the client id it belongs to',
    );
  }
  const redirectUri = readString(f, 'redirect_uri', { nonEmpty: true });
  if (redirectUri !== null) {
    const problem = redirectUriProblem(redirectUri);
    if (problem) p.error(where, `"oauth.redirect_uri" ${problem} ${got(redirectUri)}`);
  }
  const extraParams = readStringMap(f, 'extra_params', (key) =>
    Object.hasOwn(RESERVED_PARAMS, key) ? `cannot be set: ${RESERVED_PARAMS[key]}` : null,
  );
  return {
    client_id: clientId,
    client_secret: clientSecret,
    scopes: readScopes(f),
    redirect_uri: redirectUri,
    extra_params: extraParams,
  };
}

/** `scopes` as an array of scope tokens, or one space-separated string (`"repo read:org"`). */
function readScopes(f: Fields): string[] {
  const value = own(f.obj, 'scopes');
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  const hint = 'must be an array of scope names like ["repo", "read:org"]';
  if (!Array.isArray(value)) {
    f.p.error(f.where, `"oauth.scopes" ${hint} ${got(value)}`);
    return [];
  }
  const scopes: string[] = [];
  value.forEach((scope, i) => {
    if (typeof scope === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) scopes.push(scope);
    else
      f.p.error(
        f.where,
        `"oauth.scopes[${i}]" must be one scope name, without spaces ${got(scope)}`,
      );
  });
  return scopes;
}

/**
 * Why a pinned redirect URI cannot work, or null. It must be a loopback `http` URL with an
 * explicit port (mcpproxy listens there during a login), or an `https` URL you forward.
 */
function redirectUriProblem(uri: string): string | null {
  const loopback = 'must be a loopback URL like "http://127.0.0.1:33418/oauth/callback" (or https)';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return loopback;
  }
  if (url.hash || uri.includes('#')) return 'must not contain a fragment (#...)';
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return loopback;
  if (!isLoopbackHost(url.hostname)) return `${loopback}: plain http is only allowed on loopback`;
  const explicitPort = url.port !== '' || /^http:\/\/[^/?#]*:80(?:[/?#]|$)/i.test(uri);
  if (!explicitPort) return 'needs an explicit port (mcpproxy listens on it during a login)';
  return null;
}
