/**
 * @module The admin API under `/__admin` (not itself logged): switch error injection at run time,
 * read and clear the request log, list grants, revoke grants, expire tokens, forget registered
 * clients, close MCP sessions.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ServerContext } from './context.js';
import { OptionsError } from './errors.js';
import { parseFailConfig } from './fail.js';
import type { AppEnv } from './log.js';
import type { McpSessions } from './mcp.js';

const EXPIRE_KINDS = ['access', 'refresh', 'all'] as const;
type ExpireKind = (typeof EXPIRE_KINDS)[number];

async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionsError('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function badRequest(c: Context<AppEnv>, error: unknown): Response {
  if (!(error instanceof OptionsError) && !(error instanceof SyntaxError)) throw error;
  return c.json({ error: 'invalid_request', error_description: error.message }, 400);
}

/** Routes of `/__admin/*`. */
export function adminRoutes(ctx: ServerContext, sessions: McpSessions): Hono<AppEnv> {
  const app = new Hono<AppEnv>().basePath('/__admin');
  app.get('/fail', (c) => c.json(ctx.fail.status()));
  app.post('/fail', async (c) => {
    try {
      ctx.fail.set(parseFailConfig(await jsonBody(c)));
      return c.json(ctx.fail.status());
    } catch (error) {
      return badRequest(c, error);
    }
  });
  app.get('/log', (c) => c.json(ctx.log.list()));
  app.post('/log/clear', (c) => {
    ctx.log.clear();
    return c.json({ cleared: true });
  });
  app.get('/grants', (c) => c.json(ctx.store.grantViews(ctx.now())));
  app.post('/revoke', (c) =>
    c.json({ revoked: ctx.store.revokeAll('revoked by admin', ctx.now()) }),
  );
  app.post('/expire', async (c) => {
    try {
      const kind = (await jsonBody(c)).tokens ?? 'access';
      if (!EXPIRE_KINDS.includes(kind as ExpireKind)) {
        throw new OptionsError(`tokens must be one of ${EXPIRE_KINDS.join(', ')}`);
      }
      ctx.store.expire(kind as ExpireKind, ctx.now());
      return c.json({ expired: kind });
    } catch (error) {
      return badRequest(c, error);
    }
  });
  app.post('/clients/forget', async (c) => {
    try {
      const clientId = (await jsonBody(c)).client_id;
      if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
        throw new OptionsError('client_id must be a non-empty string');
      }
      const forgotten = ctx.store.forgetClients(clientId, ctx.now());
      if (clientId !== undefined && forgotten.length === 0) {
        return c.json({ error: 'not_found', error_description: `no client ${clientId}` }, 404);
      }
      return c.json({ forgotten });
    } catch (error) {
      return badRequest(c, error);
    }
  });
  app.post('/sessions/close', async (c) => c.json({ closed: await sessions.closeAll() }));
  return app;
}
