/**
 * @module The OAuth client of a server (SPEC §3): configured `client_id`/`client_secret`, else the
 * persisted registration (unless the token endpoint rejected it), else RFC 7591 dynamic
 * registration as a native public client.
 */
import { registerClient } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ClientRegistration, TokenRecord } from '../../machines/upstream/token-record.js';
import type { UpstreamEntry } from '../../machines/upstream/upstream.types.js';
import { classifyOAuthFailure } from './classify.js';
import type { Discovery } from './discovery.js';
import { OAuthSetupError } from './oauth-errors.js';
import type { OAuthHttp } from './oauth-http.js';

/** The client a flow presents, and the registration to persist when it is new. */
export interface ResolvedClient {
  client: OAuthClientInformationMixed;
  /** Set when dynamic registration just created it. */
  registered: ClientRegistration | null;
}

/** The client for a refresh: configured or persisted; null when there is none. */
export function existingClient(
  entry: UpstreamEntry,
  record: TokenRecord | null,
): OAuthClientInformationMixed | null {
  const configured = configuredClient(entry);
  if (configured) return configured;
  const registration = record?.registration;
  return registration ? toClientInformation(registration) : null;
}

/** Resolves the client for a login, registering one when needed; throws `OAuthFlowError`. */
export async function resolveClient(options: {
  entry: UpstreamEntry;
  record: TokenRecord | null;
  discovery: Discovery;
  redirectUri: string;
  scope: string | undefined;
  http: OAuthHttp;
  now: number;
  /**
   * A registration the token endpoint rejected (`invalid_client`): the authorization server no
   * longer knows it, so a stored registration with this client_id is never reused.
   */
  rejectedClientId?: string | null;
}): Promise<ResolvedClient> {
  const { entry, record, discovery, redirectUri } = options;
  const configured = configuredClient(entry);
  if (configured) return { client: configured, registered: null };
  const stored = record?.registration;
  if (
    stored &&
    stored.client_id !== options.rejectedClientId &&
    reusable(stored, discovery.authorizationServerUrl, redirectUri, options.now)
  ) {
    return { client: toClientInformation(stored), registered: null };
  }
  if (!discovery.metadata.registration_endpoint) {
    throw new OAuthSetupError(
      `${entry.name}: the authorization server ${discovery.authorizationServerUrl} does not offer ` +
        `dynamic client registration; register an OAuth app there with redirect URI ${redirectUri} ` +
        'and set oauth.client_id (and oauth.redirect_uri) for this server.',
    );
  }
  const clientMetadata: OAuthClientMetadata & { application_type: string } = {
    client_name: 'mcpproxy',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: entry.oauth?.client_secret ? 'client_secret_basic' : 'none',
    application_type: 'native',
  };
  try {
    const full = await registerClient(discovery.authorizationServerUrl, {
      metadata: discovery.metadata,
      clientMetadata,
      scope: options.scope,
      fetchFn: options.http.fetchFor('Registration endpoint'),
    });
    const registered: ClientRegistration = { ...full, issuer: discovery.authorizationServerUrl };
    return { client: toClientInformation(registered), registered };
  } catch (error) {
    const failure = classifyOAuthFailure(error, options.http.last());
    if (failure.result === 'failed_network' || failure.result === 'failed_server_error')
      throw failure;
    throw new OAuthSetupError(
      `${entry.name}: the authorization server refused dynamic client registration ` +
        `(${failure.message.replace(/\.$/, '')}); set oauth.client_id for this server.`,
      { cause: error },
    );
  }
}

function configuredClient(entry: UpstreamEntry): OAuthClientInformationMixed | null {
  const id = entry.oauth?.client_id;
  if (!id) return null;
  const secret = entry.oauth?.client_secret;
  return secret ? { client_id: id, client_secret: secret } : { client_id: id };
}

/** Persisted registration usable for this AS and redirect URI, and not expired. */
function reusable(
  reg: ClientRegistration,
  issuer: string,
  redirectUri: string,
  now: number,
): boolean {
  if (typeof reg.issuer === 'string' && !sameUrl(reg.issuer, issuer)) return false;
  if (reg.redirect_uris && !reg.redirect_uris.includes(redirectUri)) return false;
  const expires = reg.client_secret_expires_at;
  return !(typeof expires === 'number' && expires > 0 && expires * 1000 <= now);
}

function toClientInformation(reg: ClientRegistration): OAuthClientInformationMixed {
  const { issuer: _issuer, ...rest } = reg;
  return rest as OAuthClientInformationMixed;
}

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => (URL.canParse(u) ? new URL(u).href : u).replace(/\/$/, '');
  return norm(a) === norm(b);
}
