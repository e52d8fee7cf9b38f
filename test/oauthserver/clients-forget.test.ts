/**
 * @module `POST /__admin/clients/forget`: the AS forgets registered clients (database reset,
 * client deleted): their refreshes answer `invalid_client`, the authorize endpoint refuses them,
 * their grants are revoked, and a new registration works as before.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer } from './index.js';
import { bearerProbe, get, postJson, refreshByHand } from './requests.js';
import { loginWithSdk } from './sdk-client.js';

let server: OAuthTestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The authorize request a client would send, without following the redirect. */
function authorize(s: OAuthTestServer, clientId: string, redirectUri: string) {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 'st',
  });
  return get(`${s.url}/authorize?${q}`);
}

describe('OAuth test server: forgetting clients', () => {
  test('a forgotten client gets invalid_client at the token endpoint, is refused at authorize, and its grants die', async () => {
    server = await startOAuthTestServer();
    const login = await loginWithSdk(server.mcpUrl);
    const clientId = login.client.client_id;
    expect((await authorize(server, clientId, login.redirectUri)).status).toBe(302);

    const answer = await postJson(`${server.url}/__admin/clients/forget`, {});

    expect(answer).toMatchObject({ status: 200, body: { forgotten: [clientId] } });
    const refresh = await refreshByHand(
      `${server.url}/token`,
      clientId,
      login.tokens.refresh_token!,
    );
    expect(refresh).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await authorize(server, clientId, login.redirectUri)).status).toBe(400);
    expect((await bearerProbe(server.mcpUrl, login.tokens.access_token)).status).toBe(401);
    expect(server.grants()).toEqual([
      expect.objectContaining({
        client_id: clientId,
        revoked: true,
        revoked_reason: 'client forgotten by admin',
      }),
    ]);

    // The AS still registers and serves new clients.
    const again = await loginWithSdk(server.mcpUrl);
    expect(again.client.client_id).not.toBe(clientId);
    expect((await bearerProbe(server.mcpUrl, again.tokens.access_token)).status).toBe(400);
  });

  test('{"client_id"} forgets only that client; an unknown one is 404, a bad one 400', async () => {
    server = await startOAuthTestServer();
    const a = await loginWithSdk(server.mcpUrl);
    const b = await loginWithSdk(server.mcpUrl);
    const url = `${server.url}/__admin/clients/forget`;

    const answer = await postJson(url, { client_id: a.client.client_id });

    expect(answer).toMatchObject({ status: 200, body: { forgotten: [a.client.client_id] } });
    const refreshA = await refreshByHand(
      `${server.url}/token`,
      a.client.client_id,
      a.tokens.refresh_token!,
    );
    const refreshB = await refreshByHand(
      `${server.url}/token`,
      b.client.client_id,
      b.tokens.refresh_token!,
    );
    expect(refreshA).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(refreshB.status).toBe(200);
    expect(await postJson(url, { client_id: a.client.client_id })).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
    expect(await postJson(url, { client_id: 7 })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });

  test('the in-process handle forgets clients too', async () => {
    server = await startOAuthTestServer();
    const login = await loginWithSdk(server.mcpUrl);

    expect(server.forgetClients()).toEqual([login.client.client_id]);
    expect(server.forgetClients()).toEqual([]);
  });
});
