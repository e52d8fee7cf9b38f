/**
 * @module A hostile OAuth-protected MCP server on an ephemeral loopback port: it answers `/mcp`
 * with a 401 challenge pointing to its own protected-resource metadata, and serves metadata and a
 * registration endpoint whose contents a test chooses (wrong issuer, endpoints on plain HTTP
 * elsewhere, foreign redirect URIs). Requests are recorded.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

export interface HostileAsOptions {
  /** Overrides of the authorization-server metadata (`{base}` in a value is this server's URL). */
  metadata?: Record<string, unknown>;
  /** Overrides of the protected-resource metadata. */
  resourceMetadata?: Record<string, unknown>;
  /** Overrides of the registration answer. */
  registration?: Record<string, unknown>;
}

export interface HostileAs {
  url: string;
  mcpUrl: string;
  requests: string[];
  stop(): Promise<void>;
}

function fill(value: unknown, base: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{base}', base);
  if (Array.isArray(value)) return value.map((v) => fill(v, base));
  return value;
}

/** Starts the server; `{base}` placeholders in the overrides become its URL. */
export async function startHostileAs(options: HostileAsOptions = {}): Promise<HostileAs> {
  const requests: string[] = [];
  let base = '';
  const app = new Hono();
  app.use('*', async (c, next) => {
    requests.push(`${c.req.method} ${c.req.path}`);
    await next();
  });
  const prmUrl = () => `${base}/.well-known/oauth-protected-resource/mcp`;
  app.all('/mcp', (c) =>
    c.json({ error: 'invalid_token' }, 401, {
      'WWW-Authenticate': `Bearer resource_metadata="${prmUrl()}", scope="mcp"`,
    }),
  );
  const overrides = (o: Record<string, unknown> = {}) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fill(v, base)]));
  app.get('/.well-known/oauth-protected-resource/*', (c) =>
    c.json({
      resource: `${base}/mcp`,
      authorization_servers: [base],
      scopes_supported: ['mcp'],
      ...overrides(options.resourceMetadata),
    }),
  );
  const metadata = () => ({
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    registration_endpoint: `${base}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    ...overrides(options.metadata),
  });
  app.get('/.well-known/oauth-authorization-server', (c) => c.json(metadata()));
  app.get('/.well-known/openid-configuration', (c) => c.json(metadata()));
  app.post('/register', async (c) => {
    const body = (await c.req.json()) as Record<string, unknown>;
    return c.json(
      {
        ...body,
        client_id: 'hostile-client',
        client_id_issued_at: 1,
        ...overrides(options.registration),
      },
      201,
    );
  });
  app.get('/authorize', (c) => c.text('no', 400));
  app.post('/token', (c) => c.json({ error: 'invalid_grant' }, 400));
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve(info.port),
    );
  });
  base = `http://127.0.0.1:${port}`;
  void (server!.address() as AddressInfo);
  return {
    url: base,
    mcpUrl: `${base}/mcp`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        server!.close(() => resolve());
      }),
  };
}
