/**
 * @module The app's routes stay within what Hono's RegExpRouter can compile. When one route is
 * beyond it (a static path beside a parameter in the same segment), SmartRouter silently falls
 * back to the TrieRouter for every request, which allocates on each match: a sixth of what a
 * `GET /api/v1/servers` allocated (bench 4, docs/benchmarks.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeApp, makeApp, type TestApp } from './support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await closeApp(t);
  t = undefined;
});

describe('routing', () => {
  it('matches every route with the RegExpRouter', async () => {
    t = await makeApp();
    // SmartRouter picks its router at the first match.
    expect((await t.app.request('/healthz')).status).toBe(200);
    expect(t.app.router.name).toBe('SmartRouter + RegExpRouter');
  });

  it('still answers the dashboard config and its files on the one /dashboard/:file route', async () => {
    t = await makeApp();
    expect(await (await t.app.request('/dashboard/config.json')).json()).toEqual({ demo: null });
    const page = await t.app.request('/dashboard/main.js');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('javascript');
    expect((await t.app.request('/dashboard/nope.js')).status).toBe(404);
  });
});
