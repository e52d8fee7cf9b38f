/** @module The OAuth-protected MCP endpoint: tools through a real SDK client, bearer checks on every request, step-up 403. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startOAuthTestServer } from './index.js';
import type { OAuthTestServer } from './index.js';
import { loginWithSdk } from './sdk-client.js';

/** A connected SDK client whose bearer token can be swapped mid-session. */
async function connect(mcpUrl: string, accessToken: string) {
  const bearer = { token: accessToken };
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('Authorization', `Bearer ${bearer.token}`);
      return fetch(input, { ...init, headers });
    },
  });
  const client = new Client({ name: 'oauth-test-server-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, bearer };
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const [first] = result.content as { type: string; text: string }[];
  return first.text;
}

const clients: Client[] = [];
async function track<T extends { client: Client }>(connection: Promise<T>): Promise<T> {
  const value = await connection;
  clients.push(value.client);
  return value;
}

describe('OAuth test server MCP endpoint', () => {
  let server: OAuthTestServer;
  beforeAll(async () => {
    server = await startOAuthTestServer();
  });
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => server.stop());

  test('lists the tools and runs echo, add and whoami with a valid token', async () => {
    const login = await loginWithSdk(server.mcpUrl);
    const { client } = await track(connect(server.mcpUrl, login.tokens.access_token));

    const { tools } = await client.listTools();
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    const add = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    const whoami = await client.callTool({ name: 'whoami', arguments: {} });

    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'admin_action', 'echo', 'whoami']);
    expect(textOf(echo)).toBe('hello');
    expect(textOf(add)).toBe('42');
    expect(textOf(whoami)).toBe('mcp');
    expect(whoami.structuredContent).toEqual({
      client_id: login.client.client_id,
      scopes: ['mcp'],
    });
  });

  test('an expired token is refused mid-session with 401 invalid_token; a refreshed one continues', async () => {
    const short = await startOAuthTestServer({ accessTokenTtlS: 1 });
    try {
      const login = await loginWithSdk(short.mcpUrl);
      const { client, transport, bearer } = await track(
        connect(short.mcpUrl, login.tokens.access_token),
      );
      await client.callTool({ name: 'echo', arguments: { message: 'before' } });

      await new Promise((resolve) => setTimeout(resolve, 1100));
      const failed = client.callTool({ name: 'echo', arguments: { message: 'after' } });
      await expect(failed).rejects.toBeInstanceOf(StreamableHTTPError);
      await expect(failed).rejects.toMatchObject({ code: 401 });
      const raw = await fetch(short.mcpUrl, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${login.tokens.access_token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'mcp-session-id': transport.sessionId!,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      });
      expect(raw.status).toBe(401);
      expect(raw.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="access token expired", ` +
          `resource_metadata="${short.resourceMetadataUrl}", scope="mcp"`,
      );

      const refreshed = await refreshAuthorization(short.issuer, {
        metadata: login.metadata,
        clientInformation: login.client,
        refreshToken: login.tokens.refresh_token!,
        resource: login.resource,
      });
      bearer.token = refreshed.access_token;
      const sessionBefore = transport.sessionId;
      const echo = await client.callTool({ name: 'echo', arguments: { message: 'again' } });
      expect(textOf(echo)).toBe('again');
      expect(transport.sessionId).toBe(sessionBefore);
    } finally {
      await short.stop();
    }
  });

  test('a token without scope admin gets 403 insufficient_scope for admin_action only', async () => {
    const login = await loginWithSdk(server.mcpUrl, { scope: 'mcp' });
    const { client, transport } = await track(connect(server.mcpUrl, login.tokens.access_token));

    const denied = client.callTool({ name: 'admin_action', arguments: {} });
    await expect(denied).rejects.toMatchObject({ code: 403 });
    const raw = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${login.tokens.access_token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'admin_action', arguments: {} },
      }),
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", resource_metadata="${server.resourceMetadataUrl}", scope="admin"`,
    );
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'ok' } }))).toBe(
      'ok',
    );
  });

  test('a token with scope admin may call admin_action', async () => {
    const login = await loginWithSdk(server.mcpUrl, { scope: 'mcp admin' });
    const { client } = await track(connect(server.mcpUrl, login.tokens.access_token));

    const result = await client.callTool({ name: 'admin_action', arguments: { action: 'x' } });

    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('admin action x done');
  });

  test('missing and unknown tokens get 401; only a presented token earns error="invalid_token"', async () => {
    const none = await fetch(server.mcpUrl, { method: 'POST', body: '{}' });
    const bogus = await fetch(server.mcpUrl, {
      method: 'POST',
      body: '{}',
      headers: { Authorization: 'Bearer at_bogus' },
    });

    expect([none.status, bogus.status]).toEqual([401, 401]);
    expect(none.headers.get('www-authenticate')).not.toContain('error=');
    expect(bogus.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(bogus.headers.get('www-authenticate')).toContain(
      `resource_metadata="${server.resourceMetadataUrl}"`,
    );
  });

  test('revoking all grants cuts off a live session', async () => {
    const login = await loginWithSdk(server.mcpUrl);
    const { client } = await track(connect(server.mcpUrl, login.tokens.access_token));

    server.revokeAll();

    await expect(client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).rejects.toMatchObject(
      {
        code: 401,
      },
    );
  });

  test('closed sessions answer 404 so clients must initialize again', async () => {
    const login = await loginWithSdk(server.mcpUrl);
    const { client } = await track(connect(server.mcpUrl, login.tokens.access_token));

    expect(await server.closeSessions()).toBeGreaterThanOrEqual(1);

    await expect(client.listTools()).rejects.toMatchObject({ code: 404 });
  });
});
