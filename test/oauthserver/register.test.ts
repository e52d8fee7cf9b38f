/** @module DCR (RFC 7591) and token-endpoint client authentication per registration. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { registerClient, refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer } from './index.js';
import { postForm, postJson } from './requests.js';
import { loginWithSdk } from './sdk-client.js';

describe('OAuth test server client registration', () => {
  let server: OAuthTestServer;
  beforeAll(async () => {
    server = await startOAuthTestServer();
  });
  afterEach(() => server.setFail({ mode: 'none' }));
  afterAll(() => server.stop());

  test('registers a public client without a secret', async () => {
    const answer = await postJson(`${server.url}/register`, {
      redirect_uris: ['http://127.0.0.1:5555/oauth/callback'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      client_id: expect.stringMatching(/^client_/),
      redirect_uris: ['http://127.0.0.1:5555/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    expect(answer.body).not.toHaveProperty('client_secret');
  });

  test.each([
    ['http://example.com/cb', 'plain http off loopback'],
    ['http://127.0.0.1:1/cb#frag', 'a fragment'],
    ['javascript:alert(1)', 'a script URI'],
    ['ftp://127.0.0.1/cb', 'another scheme'],
  ])('refuses redirect URI %s (%s)', async (uri) => {
    const answer = await postJson(`${server.url}/register`, { redirect_uris: [uri] });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_redirect_uri' });
  });

  test.each(['https://app.example/cb', 'http://localhost:9/cb', 'http://[::1]:9/cb'])(
    'accepts redirect URI %s',
    async (uri) => {
      const answer = await postJson(`${server.url}/register`, { redirect_uris: [uri] });
      expect(answer.status).toBe(201);
    },
  );

  test('refuses unknown auth methods, grant types and scopes as invalid_client_metadata', async () => {
    const base = { redirect_uris: ['http://127.0.0.1:9/cb'] };
    for (const extra of [
      { token_endpoint_auth_method: 'private_key_jwt' },
      { grant_types: ['client_credentials'] },
      { scope: 'mcp root' },
      { response_types: ['token'] },
    ]) {
      const answer = await postJson(`${server.url}/register`, { ...base, ...extra });
      expect(answer.status, JSON.stringify(extra)).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_client_metadata' });
    }
  });

  test('register_refused answers 400 invalid_client_metadata until healed', async () => {
    server.setFail({ mode: 'register_refused' });
    const clientMetadata = { redirect_uris: ['http://127.0.0.1:9/cb'] };

    await expect(registerClient(server.issuer, { clientMetadata })).rejects.toMatchObject({
      errorCode: 'invalid_client_metadata',
    });
    server.setFail({ mode: 'none' });
    await expect(registerClient(server.issuer, { clientMetadata })).resolves.toHaveProperty(
      'client_id',
    );
  });

  test.each(['client_secret_basic', 'client_secret_post'] as const)(
    'a confidential %s client logs in and refreshes with the SDK',
    async (method) => {
      const login = await loginWithSdk(server.mcpUrl, {
        clientMetadata: { token_endpoint_auth_method: method },
      });

      expect(login.client.client_secret).toMatch(/^secret_/);
      expect(login.client.token_endpoint_auth_method).toBe(method);
      const refreshed = await refreshAuthorization(server.issuer, {
        metadata: login.metadata,
        clientInformation: login.client,
        refreshToken: login.tokens.refresh_token!,
        resource: login.resource,
      });
      expect(refreshed.access_token).not.toBe(login.tokens.access_token);
    },
  );

  test('client authentication must match the registration and the secret', async () => {
    const login = await loginWithSdk(server.mcpUrl, {
      clientMetadata: { token_endpoint_auth_method: 'client_secret_basic' },
    });
    const { client_id, client_secret } = login.client;
    const refresh = { grant_type: 'refresh_token', refresh_token: login.tokens.refresh_token! };
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${client_id}:${secret}`).toString('base64')}`;

    const wrongSecret = await postForm(`${server.url}/token`, refresh, {
      Authorization: basic('nope'),
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client' });
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic /);

    const viaPost = await postForm(`${server.url}/token`, {
      ...refresh,
      client_id,
      client_secret: client_secret!,
    });
    expect(viaPost.status).toBe(401);
    expect(viaPost.body).toMatchObject({ error: 'invalid_client' });

    const unknown = await postForm(`${server.url}/token`, { ...refresh, client_id: 'client_x' });
    expect(unknown.status).toBe(401);

    const right = await postForm(`${server.url}/token`, refresh, {
      Authorization: basic(client_secret!),
    });
    expect(right.status).toBe(200);
  });

  test('a client registered without the refresh_token grant may not refresh', async () => {
    const login = await loginWithSdk(server.mcpUrl, {
      clientMetadata: { grant_types: ['authorization_code'] },
    });

    const answer = await postForm(`${server.url}/token`, {
      grant_type: 'refresh_token',
      refresh_token: login.tokens.refresh_token!,
      client_id: login.client.client_id,
    });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'unauthorized_client' });
  });
});
