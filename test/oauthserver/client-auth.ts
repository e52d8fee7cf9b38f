/**
 * @module Client authentication at the token endpoint, strictly per registration: `none` (client_id
 * in the body), `client_secret_post` (client_id + client_secret in the body) or
 * `client_secret_basic` (HTTP Basic, RFC 6749 §2.3.1).
 */
import { timingSafeEqual } from 'node:crypto';
import type { ServerContext } from './context.js';
import { OAuthError } from './errors.js';
import type { Client, ClientAuthMethod } from './state.js';

/** What the request claims, before checking: client id and the method it used. */
export interface ClientCredentials {
  clientId?: string;
  secret?: string;
  method: ClientAuthMethod;
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** Reads the credentials from the Authorization header or the form body. */
export function readClientCredentials(
  authorization: string | undefined,
  params: URLSearchParams,
): ClientCredentials {
  const basic = /^basic\s+(\S+)$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { method: 'client_secret_basic' };
    return {
      clientId: decodePart(decoded.slice(0, colon)),
      secret: decodePart(decoded.slice(colon + 1)),
      method: 'client_secret_basic',
    };
  }
  const clientId = params.get('client_id') ?? undefined;
  const secret = params.get('client_secret') ?? undefined;
  return { clientId, secret, method: secret !== undefined ? 'client_secret_post' : 'none' };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Authenticates the client as registered; throws `invalid_client` (401). */
export function authenticateClient(
  ctx: ServerContext,
  credentials: ClientCredentials,
  params: URLSearchParams,
): Client {
  const { clientId, secret, method } = credentials;
  if (!clientId) throw new OAuthError('invalid_client', 'client authentication required');
  const bodyId = params.get('client_id');
  if (method === 'client_secret_basic' && bodyId !== null && bodyId !== clientId) {
    throw new OAuthError('invalid_client', 'client_id in body differs from Basic credentials');
  }
  const client = ctx.store.clients.get(clientId);
  if (!client) throw new OAuthError('invalid_client', 'unknown client');
  if (client.token_endpoint_auth_method !== method) {
    throw new OAuthError(
      'invalid_client',
      `client is registered for ${client.token_endpoint_auth_method}, request used ${method}`,
    );
  }
  if (method !== 'none' && !sameSecret(secret ?? '', client.client_secret ?? '')) {
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  return client;
}
