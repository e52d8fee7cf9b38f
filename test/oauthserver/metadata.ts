/**
 * @module Discovery documents: RFC 9728 protected-resource metadata, RFC 8414 authorization-server
 * metadata and its OIDC twin, and an empty JWKS. `no_metadata` makes all of them 404.
 */
import { Hono } from 'hono';
import type { ServerContext } from './context.js';
import type { AppEnv } from './log.js';

/** RFC 8414 metadata of the authorization server. */
export function authorizationServerMetadata(ctx: ServerContext): Record<string, unknown> {
  const { urls, options } = ctx;
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.authorizationEndpoint,
    token_endpoint: urls.tokenEndpoint,
    registration_endpoint: urls.registrationEndpoint,
    scopes_supported: options.scopesSupported,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
}

/** RFC 9728 metadata of the MCP endpoint (the protected resource). */
export function protectedResourceMetadata(ctx: ServerContext): Record<string, unknown> {
  return {
    resource: ctx.urls.mcpUrl,
    authorization_servers: [ctx.urls.issuer],
    scopes_supported: ctx.options.scopesSupported,
    bearer_methods_supported: ['header'],
    resource_name: 'mcpproxy OAuth test server',
  };
}

/** Routes of the well-known documents. */
export function metadataRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/.well-known/*', async (c, next) => {
    const injected = ctx.fail.check('metadata');
    if (!injected) return next();
    c.var.logEntry.injected = injected.mode;
    return c.json({ error: 'not_found' }, 404);
  });
  for (const path of ['/mcp', '']) {
    app.get(`/.well-known/oauth-protected-resource${path}`, (c) =>
      c.json(protectedResourceMetadata(ctx)),
    );
  }
  app.get('/.well-known/oauth-authorization-server', (c) =>
    c.json(authorizationServerMetadata(ctx)),
  );
  // OIDC discovery requires these fields; no ID tokens are issued (no `openid` scope).
  app.get('/.well-known/openid-configuration', (c) =>
    c.json({
      ...authorizationServerMetadata(ctx),
      jwks_uri: ctx.urls.jwksUri,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    }),
  );
  app.get('/jwks', (c) => c.json({ keys: [] }));
  return app;
}
