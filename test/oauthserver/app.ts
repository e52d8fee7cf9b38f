/**
 * @module Composition of the test server's Hono app from its route groups. Never listens:
 * `createOAuthTestApp(ctx, sessions)` can be driven with `app.request()`.
 */
import { Hono } from 'hono';
import { adminRoutes } from './admin.js';
import { authorizeRoutes } from './authorize.js';
import type { ServerContext } from './context.js';
import { requestLogger } from './log.js';
import type { AppEnv } from './log.js';
import { mcpRoutes } from './mcp.js';
import type { McpSessions } from './mcp.js';
import { metadataRoutes } from './metadata.js';
import { registerRoutes } from './register.js';
import { tokenRoutes } from './token.js';

/** The whole app: metadata, DCR, authorize, token, MCP and admin routes behind the request log. */
export function createOAuthTestApp(ctx: ServerContext, sessions: McpSessions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestLogger(ctx.log));
  app.route('/', metadataRoutes(ctx));
  app.route('/', registerRoutes(ctx));
  app.route('/', authorizeRoutes(ctx));
  app.route('/', tokenRoutes(ctx));
  app.route('/', mcpRoutes(ctx, sessions) as unknown as Hono<AppEnv>);
  app.route('/', adminRoutes(ctx, sessions));
  app.notFound((c) =>
    c.json({ error: 'not_found', error_description: `no route ${c.req.path}` }, 404),
  );
  app.onError((error, c) => {
    c.var.logEntry.error = 'server_error';
    return c.json({ error: 'server_error', error_description: error.message }, 500);
  });
  return app;
}
