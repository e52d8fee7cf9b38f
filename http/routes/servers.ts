/**
 * @module `/api/v1/servers…` (SPEC §5): server views, tools, and the login / logout / restart
 * commands, each sent to the server's actor and answered from its snapshot.
 */
import { Hono } from 'hono';
import { BadRequestError, ConflictError } from '../../services/errors.js';
import { DEFAULT_LOGIN_URL_TIMEOUT_MS, type AppDeps } from '../deps.js';
import { startLogin } from '../login.js';
import { serverViews } from '../server-views.js';
import { requireUpstream, topState, upstreamRefs, type Upstream } from '../upstreams.js';
import { bodyFlag, queryFlag, readJsonObject, validServerName } from '../validate.js';

/** The headers `c.json` sets, for views that are JSON text already. */
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Refuses a command to a server whose actor has stopped. */
function assertRunning(upstream: Upstream): void {
  if (topState(upstream.snapshot) === 'stopped' || upstream.snapshot.status !== 'active') {
    throw new ConflictError(`${upstream.name} is stopped.`);
  }
}

/** The server routes, relative to `/api/v1`. */
export function serverRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const timeoutMs = deps.loginUrlTimeoutMs ?? DEFAULT_LOGIN_URL_TIMEOUT_MS;
  const upstreamOf = (raw: string) => requireUpstream(deps.supervisor, validServerName(raw));
  const fresh = (upstream: Upstream) => requireUpstream(deps.supervisor, upstream.name);
  const views = serverViews(deps.now);

  app.get('/servers', (c) => c.body(views.list(upstreamRefs(deps.supervisor)), 200, JSON_TYPE));

  app.get('/servers/:name', (c) =>
    c.body(views.one(upstreamOf(c.req.param('name'))), 200, JSON_TYPE),
  );

  app.get('/servers/:name/tools', (c) =>
    c.json(upstreamOf(c.req.param('name')).snapshot.context.tools),
  );

  app.post('/servers/:name/login', async (c) => {
    const upstream = upstreamOf(c.req.param('name'));
    const body = await readJsonObject(c, ['force']);
    const force = (queryFlag(c, 'force') ?? false) || (bodyFlag(body, 'force') ?? false);
    return c.json(await startLogin(upstream, force, timeoutMs));
  });

  app.post('/servers/:name/logout', async (c) => {
    const upstream = upstreamOf(c.req.param('name'));
    await readJsonObject(c, []);
    assertRunning(upstream);
    if (!upstream.snapshot.context.oauth) {
      throw new BadRequestError(
        `${upstream.name} does not use OAuth: there is nothing to log out of.`,
      );
    }
    upstream.ref.send({ type: 'auth.logout' });
    return c.body(views.one(fresh(upstream)), 200, JSON_TYPE);
  });

  app.post('/servers/:name/restart', async (c) => {
    const upstream = upstreamOf(c.req.param('name'));
    await readJsonObject(c, []);
    assertRunning(upstream);
    if (topState(upstream.snapshot) === 'idle') {
      throw new ConflictError(
        `${upstream.name} is disabled in the configuration: enable it first.`,
      );
    }
    upstream.ref.send({ type: 'upstream.restart' });
    return c.body(views.one(fresh(upstream)), 200, JSON_TYPE);
  });

  return app;
}
