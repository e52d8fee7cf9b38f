/**
 * @module The browser part of a login: listen on the redirect URI, build the authorize URL (PKCE
 * S256, random `state`, `resource`, scopes, `extra_params`), wait for the callback (ignoring
 * requests that are not it), check it, and redeem the code. The listener lives exactly as long as
 * this step.
 */
import { randomBytes } from 'node:crypto';
import {
  exchangeAuthorization,
  startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { TokenResponse } from '../../machines/upstream/token-record.js';
import { checkCallback, strayCallback } from './callback-check.js';
import { listenForCallback } from './callback-server.js';
import { classifyOAuthFailure } from './classify.js';
import type { Discovery } from './discovery.js';
import type { OAuthHttp } from './oauth-http.js';
import type { CallbackTarget } from './redirect.js';
import type { ServiceLogger } from './service-logger.js';
import { tokenResponseOf } from './token-response.js';

/** Parameters the protocol sets; `extra_params` never override them. */
const RESERVED = [
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
];

export interface AuthorizationCodeOptions {
  serverName: string;
  discovery: Discovery;
  client: OAuthClientInformationMixed;
  target: CallbackTarget;
  scope: string | undefined;
  extraParams: Record<string, string>;
  http: OAuthHttp;
  onAuthUrl: (authUrl: string) => void;
  /** Notes requests to the redirect URI that were ignored (default: none). */
  logger?: ServiceLogger;
  signal?: AbortSignal;
  now: () => number;
}

/** The token endpoint's answer (as stored) and when it arrived. */
export interface IssuedTokens {
  response: TokenResponse;
  arrivedAt: number;
}

/** Runs the authorization code grant; throws `OAuthFlowError`. */
export async function authorizationCodeGrant(
  options: AuthorizationCodeOptions,
): Promise<IssuedTokens> {
  const { discovery, target, http } = options;
  const state = randomBytes(32).toString('base64url');
  const listener = await listenForCallback(options.serverName, target, {
    screen: (params) => {
      const stray = strayCallback(params, state);
      if (stray !== null) options.logger?.warn({ reason: stray }, 'OAuth callback ignored');
      return stray;
    },
    signal: options.signal,
  });
  try {
    const { authorizationUrl, codeVerifier } = await startAuthorization(
      discovery.authorizationServerUrl,
      {
        metadata: discovery.metadata,
        clientInformation: options.client,
        redirectUrl: target.redirectUri,
        scope: options.scope,
        state,
        resource: discovery.resource,
      },
    );
    for (const [key, value] of Object.entries(options.extraParams)) {
      if (!RESERVED.includes(key)) authorizationUrl.searchParams.set(key, value);
    }
    options.onAuthUrl(authorizationUrl.href);
    const params = await listener.params;
    const problem = checkCallback(options.serverName, params, discovery.metadata);
    if (problem) {
      listener.answer({ ok: false, message: problem.message });
      throw problem;
    }
    try {
      const tokens = await exchangeAuthorization(discovery.authorizationServerUrl, {
        metadata: discovery.metadata,
        clientInformation: options.client,
        authorizationCode: params.get('code')!,
        codeVerifier,
        redirectUri: target.redirectUri,
        resource: discovery.resource,
        fetchFn: http.fetchFor('Token endpoint'),
      });
      const arrived = http.last();
      listener.answer({ ok: true });
      return {
        response: tokenResponseOf(tokens, arrived?.json, discovery.authorizationServerUrl),
        arrivedAt: arrived?.receivedAt ?? options.now(),
      };
    } catch (error) {
      listener.answer({ ok: false, message: 'mcpproxy could not redeem the authorization code.' });
      throw classifyOAuthFailure(error, http.last());
    }
  } finally {
    await listener.close();
  }
}
