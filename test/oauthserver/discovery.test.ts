/** @module Discovery: RFC 9728 and RFC 8414/OIDC metadata as the SDK reads them, the 401 challenge, `no_metadata`. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { OpenIdProviderDiscoveryMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer } from './index.js';
import { get, postJson } from './requests.js';

describe('OAuth test server discovery', () => {
  let server: OAuthTestServer;
  beforeAll(async () => {
    server = await startOAuthTestServer();
  });
  afterEach(() => server.setFail({ mode: 'none' }));
  afterAll(() => server.stop());

  test('protected-resource metadata names the MCP URL as resource and the issuer as AS', async () => {
    const prm = await discoverOAuthProtectedResourceMetadata(server.mcpUrl);

    expect(prm.resource).toBe(server.mcpUrl);
    expect(prm.authorization_servers).toEqual([server.issuer]);
    expect(prm.scopes_supported).toEqual(['mcp', 'admin', 'offline_access']);
    const root = await get(`${server.url}/.well-known/oauth-protected-resource`);
    expect(root.body).toEqual(JSON.parse(JSON.stringify(prm)));
  });

  test('authorization-server metadata advertises endpoints, S256 only, iss and scopes', async () => {
    const metadata = await discoverAuthorizationServerMetadata(server.issuer);

    expect(metadata).toMatchObject({
      issuer: server.issuer,
      authorization_endpoint: `${server.url}/authorize`,
      token_endpoint: `${server.url}/token`,
      registration_endpoint: `${server.url}/register`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: ['mcp', 'admin', 'offline_access'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    });
  });

  test('the OIDC discovery document satisfies the SDK schema and matches the RFC 8414 one', async () => {
    const oidc = await get(`${server.url}/.well-known/openid-configuration`);
    const oauth = await get(`${server.url}/.well-known/oauth-authorization-server`);

    const parsed = OpenIdProviderDiscoveryMetadataSchema.parse(oidc.body);
    expect(oidc.body).toMatchObject(oauth.body as object);
    expect((await get(parsed.jwks_uri)).body).toEqual({ keys: [] });
  });

  test('an MCP request without a token gets 401 pointing at the resource metadata', async () => {
    const response = await fetch(server.mcpUrl, { method: 'POST', body: '{}' });

    expect(response.status).toBe(401);
    expect(extractWWWAuthenticateParams(response)).toEqual({
      resourceMetadataUrl: new URL(server.resourceMetadataUrl),
      scope: 'mcp',
      error: undefined,
    });
  });

  test('scopeInChallenge: false leaves scope out of the challenge', async () => {
    const bare = await startOAuthTestServer({ scopeInChallenge: false });
    try {
      const response = await fetch(bare.mcpUrl, { method: 'POST', body: '{}' });
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${bare.resourceMetadataUrl}"`,
      );
    } finally {
      await bare.stop();
    }
  });

  test('no_metadata makes every well-known document 404 until healed', async () => {
    const set = await postJson(`${server.url}/__admin/fail`, { mode: 'no_metadata' });
    expect(set.status).toBe(200);

    await expect(discoverOAuthProtectedResourceMetadata(server.mcpUrl)).rejects.toThrow(
      /does not implement OAuth 2.0 Protected Resource Metadata/,
    );
    await expect(discoverAuthorizationServerMetadata(server.issuer)).resolves.toBeUndefined();
    const refused = server.log().filter((e) => e.injected === 'no_metadata');
    expect(new Set(refused.map((e) => e.path))).toEqual(
      new Set([
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
      ]),
    );
    expect(refused.every((e) => e.status === 404)).toBe(true);

    await postJson(`${server.url}/__admin/fail`, { mode: 'none' });
    await expect(discoverAuthorizationServerMetadata(server.issuer)).resolves.toMatchObject({
      issuer: server.issuer,
    });
  });
});
