/** @module Compatibility with the SDK's `auth()` orchestrator (what mcpproxy's provider plugs into): login, then refresh. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { followAuthUrl } from '../helpers/browser.js';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer } from './index.js';
import { startCallbackListener } from './sdk-client.js';
import type { CallbackListener } from './sdk-client.js';

/** The smallest in-memory provider: what a token store gives the SDK. */
function memoryProvider(redirectUri: string) {
  const saved: { client?: OAuthClientInformationMixed; tokens?: OAuthTokens; verifier?: string } =
    {};
  const redirects: URL[] = [];
  const provider: OAuthClientProvider = {
    redirectUrl: redirectUri,
    clientMetadata: {
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: 'sdk auth() test',
    },
    clientInformation: () => saved.client,
    saveClientInformation: (client) => void (saved.client = client),
    tokens: () => saved.tokens,
    saveTokens: (tokens) => void (saved.tokens = tokens),
    redirectToAuthorization: (url) => void redirects.push(url),
    saveCodeVerifier: (verifier) => void (saved.verifier = verifier),
    codeVerifier: () => saved.verifier!,
    invalidateCredentials: (scope) => {
      if (scope === 'all' || scope === 'tokens') saved.tokens = undefined;
    },
  };
  return { provider, saved, redirects };
}

describe('OAuth test server with the SDK auth() orchestrator', () => {
  let server: OAuthTestServer;
  let listener: CallbackListener;
  beforeAll(async () => {
    server = await startOAuthTestServer({ rotateRefreshTokens: true });
    listener = await startCallbackListener();
  });
  afterAll(async () => {
    await listener.close();
    await server.stop();
  });

  test('auth() follows the 401, logs in through the browser stand-in, then refreshes', async () => {
    const { provider, saved, redirects } = memoryProvider(listener.redirectUri);
    const unauthorized = await fetch(server.mcpUrl, { method: 'POST', body: '{}' });
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(unauthorized);
    const options = { serverUrl: server.mcpUrl, resourceMetadataUrl, scope };

    expect(await auth(provider, options)).toBe('REDIRECT');
    expect(redirects[0].searchParams.get('scope')).toBe('mcp');
    expect(redirects[0].searchParams.get('resource')).toBe(server.mcpUrl);
    const [visit, callback] = await Promise.all([
      followAuthUrl(redirects[0].href),
      listener.next(),
    ]);
    expect(visit.callbackStatus).toBe(200);
    expect(callback.get('iss')).toBe(server.issuer);
    const code = callback.get('code')!;
    expect(await auth(provider, { ...options, authorizationCode: code })).toBe('AUTHORIZED');
    const first = saved.tokens!;
    expect(first).toMatchObject({ token_type: 'Bearer', scope: 'mcp', issuer: server.issuer });

    expect(await auth(provider, options)).toBe('AUTHORIZED');

    expect(saved.tokens!.access_token).not.toBe(first.access_token);
    expect(saved.tokens!.refresh_token).not.toBe(first.refresh_token);
    const grants = server
      .log()
      .filter((e) => e.path === '/token')
      .map((e) => e.grant_type);
    expect(grants).toEqual(['authorization_code', 'refresh_token']);
    expect(server.log().some((e) => e.reused_refresh_token)).toBe(false);
  });

  test('without a scope hint auth() asks for the PRM scopes_supported (all of them)', async () => {
    const { provider, redirects } = memoryProvider(listener.redirectUri);

    expect(await auth(provider, { serverUrl: server.mcpUrl })).toBe('REDIRECT');

    expect(redirects[0].searchParams.get('scope')).toBe('mcp admin offline_access');
  });
});
