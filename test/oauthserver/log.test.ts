/** @module The request log: what each entry records, fingerprints instead of secrets, admin routes unlogged. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer, RequestLogEntry } from './index.js';
import { get, postJson, refreshByHand } from './requests.js';
import { loginWithSdk } from './sdk-client.js';

const fp = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 12);

describe('OAuth test server request log', () => {
  let server: OAuthTestServer;
  const secrets: string[] = [];
  let entries: RequestLogEntry[];
  let firstRefresh: string;
  let secondRefresh: string;

  beforeAll(async () => {
    server = await startOAuthTestServer({ rotateRefreshTokens: true });
    const login = await loginWithSdk(server.mcpUrl, {
      clientMetadata: { token_endpoint_auth_method: 'client_secret_post' },
    });
    firstRefresh = login.tokens.refresh_token!;
    const refreshed = await refreshAuthorization(server.issuer, {
      metadata: login.metadata,
      clientInformation: login.client,
      refreshToken: firstRefresh,
      resource: login.resource,
    });
    secondRefresh = refreshed.refresh_token!;
    const client = new Client({ name: 'log-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${refreshed.access_token}` } },
      }),
    );
    await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    await client.close();
    // A reuse of the rotated token, presented by hand (client_secret_post).
    await fetch(`${server.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: firstRefresh,
        client_id: login.client.client_id,
        client_secret: login.client.client_secret!,
      }),
    });
    secrets.push(
      login.tokens.access_token,
      firstRefresh,
      refreshed.access_token,
      secondRefresh,
      login.client.client_secret!,
      login.callback.get('code')!,
    );
    entries = server.log();
  });
  afterAll(() => server.stop());

  test('records the login in order: discovery, registration, one authorize, code exchange', () => {
    expect(entries.slice(0, 5).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
      'POST /register 201',
      'GET /authorize 302',
      'POST /token 200',
    ]);
    expect(entries.filter((e) => e.path === '/authorize')).toHaveLength(1);
    expect(entries[4]).toMatchObject({
      grant_type: 'authorization_code',
      issued_refresh_token_fp: fp(firstRefresh),
    });
    expect(Date.parse(entries[0].at)).not.toBeNaN();
  });

  test('a refresh entry carries the fingerprint of the presented and of the issued token', () => {
    const refreshes = entries.filter((e) => e.grant_type === 'refresh_token');

    expect(refreshes[0]).toMatchObject({
      status: 200,
      refresh_token_fp: fp(firstRefresh),
      reused_refresh_token: false,
      issued_refresh_token_fp: fp(secondRefresh),
      client_id: expect.stringMatching(/^client_/),
    });
  });

  test('presenting a rotated refresh token is flagged as reuse', () => {
    const reuse = entries.filter((e) => e.reused_refresh_token);

    expect(reuse).toEqual([
      expect.objectContaining({
        path: '/token',
        status: 400,
        error: 'invalid_grant',
        refresh_token_fp: fp(firstRefresh),
      }),
    ]);
  });

  test('MCP requests record the JSON-RPC method and the bearer fingerprint', () => {
    const mcp = entries.filter((e) => e.path === '/mcp');

    expect(mcp.map((e) => e.mcp_method)).toContain('tools/call');
    expect(mcp.find((e) => e.mcp_method === 'initialize')).toMatchObject({ status: 200 });
    expect(mcp.every((e) => e.access_token_fp === mcp[0].access_token_fp)).toBe(true);
  });

  test('no token, code or client secret appears anywhere in the log', async () => {
    const served = JSON.stringify((await get(`${server.url}/__admin/log`)).body);
    const local = JSON.stringify(server.log());

    for (const secret of secrets) {
      expect(served).not.toContain(secret);
      expect(local).not.toContain(secret);
    }
  });

  test('admin requests are not logged; clear empties the log', async () => {
    const before = server.log().length;
    await get(`${server.url}/__admin/fail`);
    expect(server.log()).toHaveLength(before);

    await postJson(`${server.url}/__admin/log/clear`, {});
    expect(server.log()).toEqual([]);

    await refreshByHand(`${server.url}/token`, 'client_x', 'rt_x');
    expect(server.log()).toEqual([
      expect.objectContaining({ path: '/token', status: 401, error: 'invalid_client' }),
    ]);
  });
});

describe('OAuth test server reuse flag under overlap', () => {
  test('of two overlapping refreshes with one rotating token, the later is logged as reuse', async () => {
    const server = await startOAuthTestServer({ rotateRefreshTokens: true });
    try {
      const login = await loginWithSdk(server.mcpUrl);
      server.setFail({ mode: 'slow', delay_ms: 200, grant: 'refresh_token' });
      const send = () =>
        refreshByHand(`${server.url}/token`, login.client.client_id, login.tokens.refresh_token!);

      const [a, b] = await Promise.all([send(), send()]);

      expect([a.status, b.status].sort()).toEqual([200, 400]);
      const flags = server
        .log()
        .filter((e) => e.grant_type === 'refresh_token')
        .map((e) => e.reused_refresh_token);
      expect(flags.sort()).toEqual([false, true]);
      expect(server.grants()[0]).toMatchObject({ revoked: true });
    } finally {
      await server.stop();
    }
  });
});
