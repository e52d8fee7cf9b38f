/** @module The refresh_token grant: with and without rotation, RFC 9700 reuse detection, lifetimes, scopes. */
import { afterEach, describe, expect, test } from 'vitest';
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { InvalidGrantError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer, OAuthTestServerOptions } from './index.js';
import { bearerProbe, postForm, refreshByHand } from './requests.js';
import type { RawAnswer } from './requests.js';
import { loginWithSdk } from './sdk-client.js';
import type { SdkLogin } from './sdk-client.js';

let server: OAuthTestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function loggedIn(options: OAuthTestServerOptions, scope?: string) {
  server = await startOAuthTestServer(options);
  return { server, login: await loginWithSdk(server.mcpUrl, { scope }) };
}

function refresh(s: OAuthTestServer, login: SdkLogin, refreshToken: string) {
  return refreshAuthorization(s.issuer, {
    metadata: login.metadata,
    clientInformation: login.client,
    refreshToken,
    resource: login.resource,
  });
}

function accessTokenOf(answer: RawAnswer): string {
  return (answer.body as { access_token: string }).access_token;
}

describe('OAuth test server refresh grant', () => {
  test('without rotation a refresh issues a new access token and keeps the refresh token', async () => {
    const { server: s, login } = await loggedIn({});
    const first = login.tokens.refresh_token!;

    const a = await refreshByHand(`${s.url}/token`, login.client.client_id, first);
    const b = await refreshByHand(`${s.url}/token`, login.client.client_id, first);

    expect(a.body).toMatchObject({ token_type: 'Bearer', expires_in: 30, scope: 'mcp' });
    expect(a.body).toMatchObject({ refresh_token: first });
    expect(b.status).toBe(200);
    const tokens = [login.tokens.access_token, accessTokenOf(a), accessTokenOf(b)];
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) expect((await bearerProbe(s.mcpUrl, token)).status).toBe(400);
  });

  test('with rotation each refresh returns a new refresh token and the old one dies', async () => {
    const { server: s, login } = await loggedIn({
      rotateRefreshTokens: true,
      reuseDetection: false,
    });
    const old = login.tokens.refresh_token!;

    const next = await refresh(s, login, old);
    expect(next.refresh_token).toMatch(/^rt_/);
    expect(next.refresh_token).not.toBe(old);

    await expect(refresh(s, login, old)).rejects.toBeInstanceOf(InvalidGrantError);
    const again = await refresh(s, login, next.refresh_token!);
    expect(again.refresh_token).not.toBe(next.refresh_token);
  });

  test('reusing a rotated refresh token revokes the whole grant (reuse detection)', async () => {
    const { server: s, login } = await loggedIn({ rotateRefreshTokens: true });
    const old = login.tokens.refresh_token!;
    const next = await refresh(s, login, old);

    const reuse = await refreshByHand(`${s.url}/token`, login.client.client_id, old);

    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ error: 'invalid_grant' });
    await expect(refresh(s, login, next.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError);
    const probe = await bearerProbe(s.mcpUrl, next.access_token);
    expect(probe.status).toBe(401);
    expect(probe.challenge).toContain('error="invalid_token"');
    expect(s.grants()).toEqual([
      expect.objectContaining({
        revoked: true,
        revoked_reason: 'refresh token reuse detected',
        live_access_tokens: 0,
        live_refresh_tokens: 0,
      }),
    ]);
  });

  test('an expired refresh token gets invalid_grant', async () => {
    const { server: s, login } = await loggedIn({});
    s.expireTokens('refresh');

    const answer = await refreshByHand(
      `${s.url}/token`,
      login.client.client_id,
      login.tokens.refresh_token!,
    );

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'refresh token expired',
    });
  });

  test('refresh_token_expires_in reports the refresh-token lifetime when asked', async () => {
    const { server: s, login } = await loggedIn({
      refreshTokenTtlS: 3600,
      refreshTokenLifetimeInResponse: true,
      rotateRefreshTokens: true,
    });
    const answer = await refreshByHand(
      `${s.url}/token`,
      login.client.client_id,
      login.tokens.refresh_token!,
    );

    expect((login.tokens as Record<string, unknown>).refresh_token_expires_in).toBeUndefined();
    expect(answer.body).toMatchObject({ refresh_token_expires_in: 3600 });
  });

  test('refreshTokenTtlS: null issues refresh tokens that never expire (no lifetime stated)', async () => {
    const { server: s, login } = await loggedIn({
      refreshTokenTtlS: null,
      refreshTokenLifetimeInResponse: true,
    });
    const answer = await refreshByHand(
      `${s.url}/token`,
      login.client.client_id,
      login.tokens.refresh_token!,
    );

    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty('refresh_token_expires_in');
  });

  test('omitRefreshTokenOnRefresh answers a refresh without refresh_token', async () => {
    const { server: s, login } = await loggedIn({ omitRefreshTokenOnRefresh: true });
    const answer = await refreshByHand(
      `${s.url}/token`,
      login.client.client_id,
      login.tokens.refresh_token!,
    );

    expect(answer.status).toBe(200);
    expect(answer.body).toHaveProperty('access_token');
    expect(answer.body).not.toHaveProperty('refresh_token');
  });

  test('a refresh may narrow the scope but not widen it', async () => {
    const { server: s, login } = await loggedIn({}, 'mcp admin');
    const narrowOnly = await loginWithSdk(s.mcpUrl, { scope: 'mcp' });
    const refreshWith = (l: SdkLogin, scope: string) =>
      postForm(`${s.url}/token`, {
        grant_type: 'refresh_token',
        refresh_token: l.tokens.refresh_token!,
        client_id: l.client.client_id,
        scope,
      });

    const narrow = await refreshWith(login, 'mcp');
    const wide = await refreshWith(narrowOnly, 'mcp admin');

    expect(narrow.body).toMatchObject({ scope: 'mcp' });
    expect(wide.status).toBe(400);
    expect(wide.body).toMatchObject({ error: 'invalid_scope' });
  });

  test('unknown refresh tokens, other clients and revoked grants get invalid_grant', async () => {
    const { server: s, login } = await loggedIn({});
    const other = await loginWithSdk(s.mcpUrl);
    const token = `${s.url}/token`;

    const unknown = await refreshByHand(token, login.client.client_id, 'rt_unknown');
    const stolen = await refreshByHand(token, other.client.client_id, login.tokens.refresh_token!);
    expect(s.revokeAll()).toBe(2);
    const revoked = await refreshByHand(token, login.client.client_id, login.tokens.refresh_token!);

    for (const answer of [unknown, stolen, revoked]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_grant' });
    }
  });
});

describe('OAuth test server token endpoint input', () => {
  test('refuses unknown grants, a missing grant_type and non-form bodies', async () => {
    const { server: s, login } = await loggedIn({});
    const clientId = login.client.client_id;

    const unknown = await postForm(`${s.url}/token`, {
      grant_type: 'client_credentials',
      client_id: clientId,
    });
    const missing = await postForm(`${s.url}/token`, { client_id: clientId });
    const json = await fetch(`${s.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: clientId }),
    });

    expect(unknown.body).toMatchObject({ error: 'unsupported_grant_type' });
    expect(missing.body).toMatchObject({ error: 'invalid_request' });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    expect(json.headers.get('cache-control')).toBe('no-store');
  });
});
