/** @module `/api/v1/statecharts[/:machine]`: the machines' definitions as JSON (SPEC §5, §7). */
import { Hono } from 'hono';
import { NotFoundError } from '../../services/errors.js';
import type { AppDeps } from '../deps.js';

/** The statechart routes, relative to `/api/v1`. */
export function statechartRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/statecharts', (c) => c.json(deps.statecharts));
  app.get('/statecharts/:machine', (c) => {
    const machine = c.req.param('machine');
    if (!Object.hasOwn(deps.statecharts, machine)) {
      const known = Object.keys(deps.statecharts).sort().join(', ');
      throw new NotFoundError(`No statechart named "${machine.slice(0, 64)}" (known: ${known}).`);
    }
    return c.json(deps.statecharts[machine] as object);
  });
  return app;
}
