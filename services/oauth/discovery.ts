/**
 * @module The discovery waterfall (SPEC §3): protected-resource metadata (RFC 9728) from the
 * challenge's `resource_metadata` or the well-known URL, then authorization-server metadata
 * (RFC 8414 / OIDC), and the `resource` indicator (RFC 8707) validated as the SDK does.
 */
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js';
import {
  checkResourceAllowed,
  resourceUrlFromServerUrl,
} from '@modelcontextprotocol/sdk/shared/auth-utils.js';
import type {
  AuthorizationServerMetadata,
  OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { classifyOAuthFailure } from './classify.js';
import { checkAuthorizationServerMetadata, checkAuthorizationServerUrl } from './metadata-check.js';
import { OAuthSetupError } from './oauth-errors.js';
import type { OAuthHttp } from './oauth-http.js';
import type { Challenge } from './probe.js';

/** Everything a flow needs to talk to the authorization server. */
export interface Discovery {
  /** The authorization server URL discovery used (the binding key of registrations and tokens). */
  authorizationServerUrl: string;
  metadata: AuthorizationServerMetadata;
  resourceMetadata: OAuthProtectedResourceMetadata | null;
  /** The RFC 8707 `resource`, sent verbatim on authorize, code exchange and refresh. */
  resource: string;
  challengeScope: string | null;
}

export interface DiscoverOptions {
  serverName: string;
  serverUrl: string;
  http: OAuthHttp;
  challenge?: Challenge | null;
  /** Authorization server to try when there is no protected-resource metadata (stored issuer). */
  issuerHint?: string | null;
  /**
   * Where the authorization server's metadata may come from another flow's recent fetch: gets
   * the AS URL and this flow's own fetch, to use when nothing is shared.
   */
  sharedMetadata?: SharedMetadata;
}

/** The AS metadata of `authorizationServerUrl`, shared between flows or fetched by `fetchOwn`. */
export type SharedMetadata = (
  authorizationServerUrl: string,
  fetchOwn: () => Promise<AuthorizationServerMetadata | undefined>,
) => Promise<AuthorizationServerMetadata | undefined>;

/** Runs the waterfall; throws a classified `OAuthFlowError`. */
export async function discover(options: DiscoverOptions): Promise<Discovery> {
  const { serverName, serverUrl, http } = options;
  let resourceMetadata: OAuthProtectedResourceMetadata | null = null;
  try {
    resourceMetadata = await discoverOAuthProtectedResourceMetadata(
      serverUrl,
      { resourceMetadataUrl: options.challenge?.resourceMetadataUrl ?? undefined },
      http.fetchFor('Protected-resource metadata'),
    );
  } catch {
    // RFC 9728 is optional: fall back to the stored issuer or the server's origin.
  }
  const resource = resourceOf(serverName, serverUrl, resourceMetadata);
  const authorizationServerUrl =
    resourceMetadata?.authorization_servers?.[0] ??
    options.issuerHint ??
    new URL('/', serverUrl).href;
  checkAuthorizationServerUrl(serverName, authorizationServerUrl);
  const fetchOwn = () =>
    discoverAuthorizationServerMetadata(authorizationServerUrl, {
      fetchFn: http.fetchFor('Authorization-server metadata'),
    });
  let metadata: AuthorizationServerMetadata | undefined;
  try {
    metadata = await (options.sharedMetadata?.(authorizationServerUrl, fetchOwn) ?? fetchOwn());
  } catch (error) {
    throw classifyOAuthFailure(error, http.last());
  }
  if (!metadata) {
    const network = http.lastNetworkFailure();
    if (network) throw classifyOAuthFailure(network.error, network);
    throw new OAuthSetupError(
      `${serverName}: the authorization server ${authorizationServerUrl} publishes no OAuth metadata ` +
        '(RFC 8414 or OpenID Connect discovery), so mcpproxy cannot log in to it.',
    );
  }
  checkAuthorizationServerMetadata(serverName, authorizationServerUrl, metadata);
  return {
    authorizationServerUrl,
    metadata,
    resourceMetadata,
    resource,
    challengeScope: options.challenge?.scope ?? null,
  };
}

/** The PRM `resource` when it is allowed for this server URL (SDK rule), else the server URL. */
function resourceOf(
  serverName: string,
  serverUrl: string,
  prm: OAuthProtectedResourceMetadata | null,
): string {
  const own = resourceUrlFromServerUrl(serverUrl);
  if (!prm) return own.href;
  if (!checkResourceAllowed({ requestedResource: own, configuredResource: prm.resource })) {
    throw new OAuthSetupError(
      `${serverName}: its protected-resource metadata names the resource ${prm.resource}, which does ` +
        `not match its URL ${own.href}; mcpproxy will not send tokens for it.`,
    );
  }
  return prm.resource;
}
